import { expect } from "chai";
import { checkRetake } from "../../../server/exams/index.js";

const DAY = 86_400_000;
const t0 = new Date("2026-01-01T00:00:00Z").getTime();
const at = (days: number) => new Date(t0 + days * DAY);
const policy = { freeRetakes: 1, waitDays: 30 };

describe("retake policy", () => {
  it("when a candidate has never sat or failed once, then they may sit again at once", () => {
    expect(checkRetake(policy, [], at(0)).allowed).to.equal(true);
    expect(checkRetake(policy, [{ submittedAt: at(0), passed: false }], at(1)).allowed).to.equal(true);
  });

  it("when the free retake is also failed, then the next sitting waits waitDays from the last failure", () => {
    const past = [
      { submittedAt: at(0), passed: false },
      { submittedAt: at(5), passed: false },
    ];
    const refused = checkRetake(policy, past, at(20));
    expect(refused).to.deep.equal({ allowed: false, code: "retake_wait", until: at(35) });
    expect(checkRetake(policy, past, at(35)).allowed).to.equal(true);
  });

  it("when the candidate waited and failed again, then a new run starts with its own free retake", () => {
    const past = [
      { submittedAt: at(0), passed: false },
      { submittedAt: at(5), passed: false },
      { submittedAt: at(40), passed: false },
    ];
    expect(checkRetake(policy, past, at(41)).allowed).to.equal(true);
  });

  it("when a pass came after failures, then the run is reset", () => {
    const past = [
      { submittedAt: at(0), passed: false },
      { submittedAt: at(5), passed: false },
      { submittedAt: at(40), passed: true },
    ];
    expect(checkRetake(policy, past, at(41)).allowed).to.equal(true);
  });

  it("when the policy allows no free retake, then one failure already means waiting", () => {
    expect(
      checkRetake({ freeRetakes: 0, waitDays: 7 }, [{ submittedAt: at(0), passed: false }], at(3)).allowed,
    ).to.equal(false);
  });
});
