import { expect } from "chai";
import type { CapacityStep } from "../../../scripts/bench/exam-capacity.js";
import {
  capacityRunFields,
  failuresWithGeneratorHeld,
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
    loadLoopMaxMs: [],
    baselineLoadLoopMaxMs: [],
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

  describe("failing steps with the generator's own loop held", () => {
    const step = (offeredPerSec: number, p99Ms: number): CapacityStep => ({
      offeredPerSec,
      achievedPerSec: offeredPerSec,
      p50Ms: 2,
      p99Ms,
      failed: 0,
    });
    const steps = [step(1_000, 12), step(1_500, 240), step(1_500, 180), step(1_250, 40)];
    /** The generator's loop reading of each step above, in order, held `ms[i]` in step i. */
    const heldIn = (...ms: number[]): [number, number][] =>
      ms.map((held, i) => [steps[i]?.offeredPerSec ?? 900, held]);

    it("when the generator was held past the limit in some failing steps, then only those are counted", () => {
      const held = failuresWithGeneratorHeld(steps, heldIn(400, 530, 60, 20));
      // The passing step held 400 ms does not count: only failures are in question.
      expect(held).to.deep.equal({ failed: 2, generatorHeld: 1 });
    });

    it("when the baseline has a trailing step measured apart, then it is left out", () => {
      // The fifth reading (900/s, past the steps) is the baseline's step at the node's capacity.
      const held = failuresWithGeneratorHeld(steps, heldIn(5, 101, 700, 20, 900));
      expect(held).to.deep.equal({ failed: 2, generatorHeld: 2 });
    });

    it("when a reading is missing or for another rate, then it is refused rather than counted", () => {
      expect(() => failuresWithGeneratorHeld(steps, [[1_000, 5]])).to.throw(/step 1 ran at 1500\/s/);
      expect(() =>
        failuresWithGeneratorHeld(steps, [
          [1_000, 5],
          [1_250, 5],
        ]),
      ).to.throw(/its loop reading is for 1250\/s/);
    });

    it("when the line is written, then it carries each side's readings and counts", () => {
      const fields = capacityRunFields(
        {
          ...run,
          node: { capacitySavesPerSec: 1_250, ladderSavesPerSec: 1_000, steps },
          loadLoopMaxMs: heldIn(30, 150, 90, 35),
          baseline: {
            capacitySavesPerSec: 1_000,
            ladderSavesPerSec: 1_000,
            steps: [step(1_000, 9), step(1_500, 300)],
          },
          baselineLoadLoopMaxMs: [
            [1_000, 20],
            [1_500, 480],
            [1_250, 15],
          ],
        },
        baseline,
        false,
      );
      expect(fields.capacityFailuresWithGeneratorHeld).to.deep.equal({
        node: { failed: 2, generatorHeld: 1 },
        baseline: { failed: 1, generatorHeld: 1 },
      });
      expect(fields.baselineCapacityLoadLoopMaxMs).to.have.length(3);
    });
  });
});
