import { expect } from "chai";
import { toAttemptClosed } from "../../../server/exams/index.js";
import { aClosedAttemptDocument } from "../../helpers/attempt-builders.js";

const now = new Date("2026-05-10T02:10:00Z");

describe("exam presenters: the closing view (attempt:closed)", () => {
  it("when an attempt was handed in at the deadline, then its view carries how, the result and the answers stored", () => {
    const v = toAttemptClosed(aClosedAttemptDocument(), now, true);
    expect(v).to.deep.include({
      attemptId: "att_1",
      status: "submitted",
      closeReason: "deadline",
      categoryCode: "01001",
      version: 7,
    });
    expect(v?.result).to.include({ score: 1, official: true, closeReason: "deadline" });
    expect(v?.answers).to.deep.equal([{ index: 0, choice: ["A"], flagged: false, seq: 1, flagSeq: 0 }]);
    expect(v?.serverTime).to.equal(now.getTime());
  });

  it("when an attempt handed in with a score was voided, then its view carries neither the score nor answers", () => {
    const v = toAttemptClosed(aClosedAttemptDocument({ status: "voided", closeReason: "voided" }), now);
    expect(v).to.deep.equal({
      attemptId: "att_1",
      status: "voided",
      closeReason: "voided",
      categoryCode: "01001",
      result: null,
      answers: [],
      serverTime: now.getTime(),
      version: 7,
    });
  });

  it("when an attempt is still running or being handed in, then there is no closing view", () => {
    expect(toAttemptClosed(aClosedAttemptDocument({ status: "in_progress" }), now)).to.equal(null);
    expect(toAttemptClosed(aClosedAttemptDocument({ status: "submitting" }), now)).to.equal(null);
  });
});
