import { expect } from "chai";
import { movable, moveBody, moveFormOf } from "../../../client/src/features/scheduling/session-move.js";
import { anExamSession } from "./support/exam-session.js";

/** The day before anExamSession's start (2026-12-08 09:00 Beijing time). */
const NOW = Date.parse("2026-12-07T08:00:00.000Z");

describe("the session page's 改期: offered as the server allows a move", () => {
  it("when a scheduled session has not started, then moving it is offered", () => {
    expect(movable(anExamSession(), NOW)).to.equal(true);
  });

  it("when the session has started, was released early, was cancelled, or the page has no session yet, then moving is not offered (the server refuses it)", () => {
    expect(movable(anExamSession({ startsAt: "2026-12-07T07:59:00.000Z" }), NOW), "started").to.equal(false);
    expect(movable(anExamSession({ releasedAt: "2026-12-07T07:50:00.000Z" }), NOW), "released").to.equal(
      false,
    );
    expect(
      movable(anExamSession({ status: "cancelled", lifecycle: "cancelled" }), NOW),
      "cancelled",
    ).to.equal(false);
    expect(movable(undefined, NOW)).to.equal(false);
  });
});

describe("the 改期 dialog's request", () => {
  it("when the dialog opens, then it holds the session's start in the node's zone, its length and late entry", () => {
    expect(moveFormOf(anExamSession())).to.deep.equal({
      startsAt: "2026-12-08T09:00:00",
      durationMinutes: 60,
      lateEntryMinutes: 20,
    });
  });

  it("when only the start changes, then only the start is sent, as an instant read in the node's zone", () => {
    const s = anExamSession();
    expect(moveBody(s, { ...moveFormOf(s), startsAt: "2026-12-09T14:30:00" })).to.deep.equal({
      startsAt: "2026-12-09T06:30:00.000Z",
    });
  });

  it("when the length and late entry change, then both are sent and the start is not", () => {
    const s = anExamSession();
    expect(moveBody(s, { ...moveFormOf(s), durationMinutes: 90, lateEntryMinutes: 15 })).to.deep.equal({
      durationMinutes: 90,
      lateEntryMinutes: 15,
    });
  });

  it("when nothing changes, then there is nothing to send", () => {
    const s = anExamSession();
    expect(moveBody(s, moveFormOf(s))).to.equal(null);
  });

  it("when the session starts at a time with milliseconds (a session made by a script) and nothing changes, then there is still nothing to send", () => {
    // The picker holds whole seconds: sending its time back moved the session by the milliseconds.
    const s = anExamSession({ startsAt: "2026-12-08T01:00:07.654Z" });
    expect(moveBody(s, moveFormOf(s))).to.equal(null);
  });
});
