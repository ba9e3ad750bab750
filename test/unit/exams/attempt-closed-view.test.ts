import { expect } from "chai";
import { toAttemptClosed, type AttemptLean } from "../../../server/exams/index.js";

const now = new Date("2026-05-10T02:10:00Z");
function attempt(over: Partial<AttemptLean> = {}): AttemptLean {
  return {
    _id: "att_1",
    sessionId: "s1",
    candidateId: "c1",
    categoryCode: "01001",
    candidateName: "张三",
    idNumber: "32010219850315001X",
    ticketNo: "T1",
    status: "submitted",
    questionCount: 2,
    minutes: 60,
    startedAt: new Date("2026-05-10T01:00:00Z"),
    deadline: new Date("2026-05-10T02:00:00Z"),
    answers: [
      { choice: ["A"], seq: 1, flagged: false, flagSeq: 0 },
      { seq: 0, flagSeq: 0 },
    ],
    seen: [1],
    lastSeq: 1,
    chainN: 7,
    closeReason: "deadline",
    submittedAt: new Date("2026-05-10T02:00:30Z"),
    result: { score: 1, totalPoints: 2, passMark: 1, passed: true },
    ...over,
  } as unknown as AttemptLean;
}

describe("exam presenters: the closing view (attempt:closed)", () => {
  it("when an attempt was handed in at the deadline, then its view carries how, the result and the answers stored", () => {
    const v = toAttemptClosed(attempt(), now, true);
    expect(v).to.deep.include({
      attemptId: "att_1",
      status: "submitted",
      closeReason: "deadline",
      version: 7,
    });
    expect(v?.result).to.include({ score: 1, official: true, closeReason: "deadline" });
    expect(v?.answers).to.deep.equal([{ index: 0, choice: ["A"], flagged: false, seq: 1, flagSeq: 0 }]);
    expect(v?.serverTime).to.equal(now.getTime());
  });

  it("when an attempt handed in with a score was voided, then its view carries neither the score nor answers", () => {
    const v = toAttemptClosed(attempt({ status: "voided", closeReason: "voided" }), now);
    expect(v).to.deep.equal({
      attemptId: "att_1",
      status: "voided",
      closeReason: "voided",
      result: null,
      answers: [],
      serverTime: now.getTime(),
      version: 7,
    });
  });

  it("when an attempt is still running or being handed in, then there is no closing view", () => {
    expect(toAttemptClosed(attempt({ status: "in_progress" }), now)).to.equal(null);
    expect(toAttemptClosed(attempt({ status: "submitting" }), now)).to.equal(null);
  });
});
