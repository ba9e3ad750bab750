import path from "node:path";
import { expect } from "chai";
import { readExamBenchOptions } from "../../../scripts/bench/exam-options.js";

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
});
