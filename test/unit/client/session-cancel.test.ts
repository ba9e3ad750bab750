import { expect } from "chai";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { cancellable } from "../../../client/src/features/scheduling/session-cancel.js";
import { anExamSession } from "./support/exam-session.js";

/** A session of five seated candidates that started yesterday and is over, as the seat map shows it. */
function anEndedSession(over: Partial<ExamSessionDto> = {}): ExamSessionDto {
  return anExamSession({
    startsAt: "2026-12-06T01:00:00.000Z",
    endsAt: "2026-12-06T02:00:00.000Z",
    bookedUntil: "2026-12-06T02:50:00.000Z",
    blueprint: { id: "bp-1", version: 1 },
    lifecycle: "ended",
    assignedCount: 5,
    ...over,
  });
}

describe("the session page's 取消场次: offered as the server allows it", () => {
  it("when an ended session's papers were released, then cancelling is not offered (the server refuses it session_released)", () => {
    expect(cancellable(anEndedSession({ releasedAt: "2026-12-06T01:02:00.000Z" }))).to.equal(false);
    expect(
      cancellable(anEndedSession({ lifecycle: "running", releasedAt: "2026-12-06T01:02:00.000Z" })),
    ).to.equal(false);
  });

  it("when a session was never held (nothing released), then cancelling is offered before its start, while it runs and after its end", () => {
    for (const lifecycle of ["scheduled", "running", "ended"] as const)
      expect(cancellable(anEndedSession({ lifecycle })), lifecycle).to.equal(true);
  });

  it("when a session is cancelled or its results are published, or the page has no session yet, then cancelling is not offered", () => {
    expect(cancellable(anEndedSession({ status: "cancelled", lifecycle: "cancelled" }))).to.equal(false);
    expect(cancellable(anEndedSession({ lifecycle: "published" }))).to.equal(false);
    expect(cancellable(undefined)).to.equal(false);
  });
});
