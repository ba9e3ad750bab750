import { expect } from "chai";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { movable, moveBody, moveFormOf } from "../../../client/src/features/scheduling/session-move.js";

const NOW = Date.parse("2026-12-07T08:00:00.000Z");

/** A scheduled session tomorrow at 09:00 Beijing time (01:00 UTC), nobody admitted yet. */
function aSessionTomorrow(over: Partial<ExamSessionDto> = {}): ExamSessionDto {
  return {
    id: "s1",
    categoryCode: "01001",
    testCentreId: "tc",
    testCentreName: "南京市从业资格考试中心",
    roomId: "r1",
    roomName: "第一考场",
    startsAt: "2026-12-08T01:00:00.000Z",
    durationMinutes: 60,
    endsAt: "2026-12-08T02:00:00.000Z",
    bookedUntil: "2026-12-08T02:50:00.000Z",
    overrunBy: null,
    blueprint: null,
    capacity: 30,
    lateEntryMinutes: 20,
    earliestHandInMinutes: 30,
    provinceCode: "320000",
    divisionCode: "320100",
    status: "scheduled",
    lifecycle: "scheduled",
    assignedCount: 3,
    releasedAt: null,
    ...over,
  };
}

describe("the session page's 改期: offered as the server allows a move", () => {
  it("when a scheduled session has not started, then moving it is offered", () => {
    expect(movable(aSessionTomorrow(), NOW)).to.equal(true);
  });

  it("when the session has started, was released early, was cancelled, or the page has no session yet, then moving is not offered (the server refuses it)", () => {
    expect(movable(aSessionTomorrow({ startsAt: "2026-12-07T07:59:00.000Z" }), NOW), "started").to.equal(
      false,
    );
    expect(movable(aSessionTomorrow({ releasedAt: "2026-12-07T07:50:00.000Z" }), NOW), "released").to.equal(
      false,
    );
    expect(
      movable(aSessionTomorrow({ status: "cancelled", lifecycle: "cancelled" }), NOW),
      "cancelled",
    ).to.equal(false);
    expect(movable(undefined, NOW)).to.equal(false);
  });
});

describe("the 改期 dialog's request", () => {
  it("when the dialog opens, then it holds the session's start in the node's zone, its length and late entry", () => {
    expect(moveFormOf(aSessionTomorrow())).to.deep.equal({
      startsAt: "2026-12-08T09:00:00",
      durationMinutes: 60,
      lateEntryMinutes: 20,
    });
  });

  it("when only the start changes, then only the start is sent, as an instant read in the node's zone", () => {
    const s = aSessionTomorrow();
    expect(moveBody(s, { ...moveFormOf(s), startsAt: "2026-12-09T14:30:00" })).to.deep.equal({
      startsAt: "2026-12-09T06:30:00.000Z",
    });
  });

  it("when the length and late entry change, then both are sent and the start is not", () => {
    const s = aSessionTomorrow();
    expect(moveBody(s, { ...moveFormOf(s), durationMinutes: 90, lateEntryMinutes: 15 })).to.deep.equal({
      durationMinutes: 90,
      lateEntryMinutes: 15,
    });
  });

  it("when nothing changes, then there is nothing to send", () => {
    const s = aSessionTomorrow();
    expect(moveBody(s, moveFormOf(s))).to.equal(null);
  });

  it("when the session starts at a time with milliseconds (a session made by a script) and nothing changes, then there is still nothing to send", () => {
    // The picker holds whole seconds: sending its time back moved the session by the milliseconds.
    const s = aSessionTomorrow({ startsAt: "2026-12-08T01:00:07.654Z" });
    expect(moveBody(s, moveFormOf(s))).to.equal(null);
  });
});
