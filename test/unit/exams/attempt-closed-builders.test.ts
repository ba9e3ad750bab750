import { expect } from "chai";
import type { AttemptLean } from "../../../server/exams/index.js";
import {
  toAttemptClosed,
  toCandidateAttempt,
  toSubmittedClosed,
  toVoidedClosed,
} from "../../../server/exams/presenters.js";
import { aClosedAttemptDocument } from "../../helpers/attempt-builders.js";

const now = new Date("2026-05-10T02:10:00Z");
/** Closed by the proctor (forced) with its last answer flagged, the chain at version 9. */
function attempt(over: Partial<AttemptLean> = {}): AttemptLean {
  return aClosedAttemptDocument({
    _id: "att_2",
    candidateName: "李四",
    ticketNo: "T2",
    answers: [
      { choice: ["B"], seq: 2, flagged: true, flagSeq: 1 },
      { seq: 0, flagSeq: 0 },
    ] as unknown as AttemptLean["answers"],
    seen: [1, 2],
    lastSeq: 2,
    chainN: 9,
    closeReason: "forced",
    ...over,
  } as Partial<AttemptLean>);
}

/**
 * The closing (announced to the room), the void (announced to the room) and a refused page's
 * reply build `attempt:closed` from different parts; all three must say the same thing.
 */
describe("exam presenters: one attempt:closed payload from the parts each sender has", () => {
  it("when the closing builds it from the candidate view, then it equals what a refused page is told", () => {
    const doc = attempt();
    const fromView = toSubmittedClosed(doc._id, "forced", toCandidateAttempt(doc, now, null));
    expect(fromView).to.deep.equal(toAttemptClosed(doc, now));
  });

  it("when an attempt closed ungraded for review, then the payload built from its view says so", () => {
    const doc = attempt({ result: undefined, review: { code: "paper_changed" } } as Partial<AttemptLean>);
    const fromView = toSubmittedClosed(doc._id, "deadline", toCandidateAttempt(doc, now, null));
    expect(fromView).to.deep.include({ review: "paper_changed", result: null, closeReason: "deadline" });
  });

  it("when the void builds it from the version it wrote, then it equals what a refused page is told of the voided attempt", () => {
    const doc = attempt({ status: "voided", closeReason: "voided" });
    expect(toVoidedClosed(doc._id, doc.categoryCode, 9, now)).to.deep.equal(toAttemptClosed(doc, now));
  });
});
