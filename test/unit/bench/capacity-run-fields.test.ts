import { expect } from "chai";
import {
  capacityRunFields,
  SETTLE_MS,
  WARM_UP_MS,
  type CapacityRun,
} from "../../../scripts/bench/exam-capacity-run.js";

describe("bench:exam capacity run's fields of the line", () => {
  const run: CapacityRun = {
    node: { capacitySavesPerSec: 300, ladderSavesPerSec: 300, steps: [] },
    baseline: { capacitySavesPerSec: 600, ladderSavesPerSec: 600, steps: [] },
    baselineAtNodeCapacity: null,
    cpuMsPerSave: [[300, 0.2, 0.1]],
    loadCpuMsPerSave: [[300, 0.08]],
    dbRoundTripsPerSave: [[300, 0.05]],
    minorFaultsPerSave: [[300, 0.4, 0.6, 0.1]],
    echoIdleCpuMsPerSec: 17,
  };
  const baseline = {
    cpuMsPerSave: [[600, 0.06, 0.07]] as [number, number, number][],
    examIdleCpuMsPerSec: () => ({ node: 40, db: 30 }),
  };

  it("when the searches took turns, then the line says so with the quiet and the warm-up each turn had", () => {
    const fields = capacityRunFields(run, baseline, true);
    expect(fields).to.include({
      capacitySearchesAlternate: true,
      capacitySettleMs: SETTLE_MS,
      capacitySettleCollectsLoadGarbage: true,
      capacityWarmUpMs: WARM_UP_MS,
      nodeStepsEchoIdleCpuMsPerSec: 17,
    });
    expect(WARM_UP_MS).to.be.greaterThan(0);
    expect(fields.baselineStepsExamIdleCpuMsPerSec).to.deep.equal({ node: 40, db: 30 });
  });

  it("when the searches ran in order, then no quiet, collection or warm-up is claimed, and each step's figures are kept", () => {
    const fields = capacityRunFields(run, baseline, false);
    expect(fields).to.include({
      capacitySearchesAlternate: false,
      capacitySettleMs: 0,
      capacitySettleCollectsLoadGarbage: false,
      capacityWarmUpMs: 0,
    });
    expect(fields.capacityCpuMsPerSave).to.deep.equal([[300, 0.2, 0.1]]);
    expect(fields.capacityLoadCpuMsPerSave).to.deep.equal([[300, 0.08]]);
    expect(fields.capacityDbRoundTripsPerSave).to.deep.equal([[300, 0.05]]);
    expect(fields.capacityMinorFaultsPerSave).to.deep.equal([[300, 0.4, 0.6, 0.1]]);
    expect(fields.baselineCapacityCpuMsPerSave).to.deep.equal([[600, 0.06, 0.07]]);
  });
});
