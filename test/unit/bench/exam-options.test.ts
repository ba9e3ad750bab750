import path from "node:path";
import { expect } from "chai";
import { targetsMet, type CapacityResult } from "../../../scripts/bench/exam-capacity.js";
import { changedSettings, readExamBenchOptions } from "../../../scripts/bench/exam-options.js";

describe("bench:exam options", () => {
  it("when no option is given, then the defaults are numbers and no flags are passed on", () => {
    const o = readExamBenchOptions([]);
    expect(o).to.include({ candidates: 200, answers: 6, room: 100, capacity: false, "capacity-refine": 0.1 });
    expect(o["node-flags"]).to.deep.equal([]);
    expect(o["ack-log"]).to.equal(undefined);
  });

  it("when options are given, then counts are numbers, flags are split and files are absolute", () => {
    const o = readExamBenchOptions([
      "--candidates",
      "5000",
      "--capacity",
      "--db-flags",
      " --single-threaded-gc  --max-semi-space-size=32 ",
      "--gc-log",
      "runs/db.jsonl",
    ]);
    expect(o).to.include({ candidates: 5000, capacity: true, "gc-log": path.resolve("runs/db.jsonl") });
    expect(o["db-flags"]).to.deep.equal(["--single-threaded-gc", "--max-semi-space-size=32"]);
  });

  it("when a count is not a whole number or is out of range, then it is refused naming each bad option", () => {
    expect(() => readExamBenchOptions(["--candidates", "5k", "--capacity-refine", "2"])).to.throw(
      /--candidates: .*; --capacity-refine: /,
    );
    expect(() => readExamBenchOptions(["--room", "0"])).to.throw(/--room: /);
    expect(() => readExamBenchOptions(["--capacity-refine", "1e-1"])).to.throw(/--capacity-refine: /);
    expect(readExamBenchOptions(["--capacity-refine", "0.25"])).to.include({ "capacity-refine": 0.25 });
    expect(() => readExamBenchOptions(["--save-groups-in-flight", "two"])).to.throw(
      /--save-groups-in-flight: expected a whole number/,
    );
  });

  it("when the searches are to take turns without a capacity run, then it is refused, and taken with one", () => {
    expect(() => readExamBenchOptions(["--capacity-turns"])).to.throw(
      /--capacity-turns: only with --capacity/,
    );
    expect(readExamBenchOptions(["--capacity", "--capacity-turns"])).to.include({
      capacity: true,
      "capacity-turns": true,
    });
  });

  it("when an option is unknown, then it is refused", () => {
    expect(() => readExamBenchOptions(["--candidate", "10"])).to.throw(/candidate/);
  });

  describe("settings that change what is measured", () => {
    const capacity = (perSec: number): CapacityResult => ({
      capacitySavesPerSec: perSec,
      ladderSavesPerSec: perSec,
      steps: [],
    });

    it("when the run is the command as it ships (logs and size aside), then no setting is named", () => {
      const o = readExamBenchOptions([
        "--candidates=5000",
        "--capacity",
        "--gc-log=db.jsonl",
        "--node-gc-log=node.jsonl",
        "--capacity-start",
        "50",
      ]);
      expect(changedSettings(o)).to.deep.equal({});
    });

    it("when flags, a group setting, profiling or the search's rule are changed, then each is named as given", () => {
      const o = readExamBenchOptions([
        "--candidates=5000",
        "--capacity",
        "--node-flags=--max-semi-space-size=64",
        "--save-group-ms",
        "5",
        "--capacity-step-ms=30000",
        "--capacity-turns",
        "--profile=profiles",
      ]);
      expect(changedSettings(o)).to.deep.equal({
        "node-flags": ["--max-semi-space-size=64"],
        "save-group-ms": "5",
        "capacity-step-ms": 30000,
        "capacity-turns": true,
        profile: path.resolve("profiles"),
      });
    });

    it("when every target is met but a setting was changed, then the targets are not all met", () => {
      const met = (asShipped: boolean) =>
        targetsMet(2_000, 30, 0, 9_000, capacity(6_000), capacity(11_000), asShipped);
      expect(met(true)).to.include({ capacityRatioAtLeastHalf: true, asShipped: true, all: true });
      expect(met(false)).to.include({ capacityRatioAtLeastHalf: true, asShipped: false, all: false });
    });
  });
});
