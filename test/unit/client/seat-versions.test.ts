import { expect } from "chai";
import type { SeatViewDto } from "../../../server/contracts/exams.js";
import { isOlderSeat, withNewerHeld } from "../../../client/src/features/proctor/seat-versions.js";

/** A seat of the console's room, as a push carries it. */
function aSeat(over: Partial<SeatViewDto> = {}): SeatViewDto {
  return {
    sessionId: "s1",
    seatId: "seat-1",
    seatNo: 1,
    candidateId: "c1",
    candidateName: "张三",
    ticketNo: "T001",
    attemptId: "a1",
    photoUrl: null,
    state: "in_progress",
    paused: false,
    answered: 3,
    total: 10,
    deadline: 1_000_000,
    remainingMs: 60_000,
    disconnectedSince: null,
    score: null,
    passed: null,
    closeReason: null,
    extraMinutes: 0,
    pendingExtensions: [],
    version: 5,
    ...over,
  };
}

describe("proctor console: seat pushes that cross", () => {
  it("when a seat read before a pause arrives after the pause, then the console keeps the paused seat", () => {
    const paused = aSeat({ paused: true, version: 6 });
    expect(isOlderSeat(paused, aSeat({ version: 5, answered: 4 }))).to.equal(true);
  });

  it("when a newer or equal reading of the attempt arrives, then the console takes it", () => {
    expect(isOlderSeat(aSeat({ version: 5 }), aSeat({ version: 6 }))).to.equal(false);
    expect(isOlderSeat(aSeat({ version: 5 }), aSeat({ version: 5, state: "disconnected" }))).to.equal(false);
  });

  it("when the seat has no attempt or another attempt, then versions are not compared", () => {
    expect(isOlderSeat(undefined, aSeat())).to.equal(false);
    const notArrived = aSeat({ attemptId: null, state: "not_arrived", version: undefined });
    expect(isOlderSeat(notArrived, aSeat({ version: 1 }))).to.equal(false);
    expect(isOlderSeat(aSeat({ attemptId: "a0", version: 9 }), aSeat({ version: 1 }))).to.equal(false);
  });

  it("when the room is read afresh while a newer push is held, then the held seat stays and the rest are the reading", () => {
    const held = [
      aSeat({ paused: true, version: 7 }),
      aSeat({ candidateId: "c2", attemptId: "a2", version: 2 }),
    ];
    const read = [
      aSeat({ version: 6 }),
      aSeat({ candidateId: "c2", attemptId: "a2", version: 3, answered: 9 }),
    ];
    const merged = withNewerHeld(read, held);
    expect(merged.map((s) => [s.candidateId, s.version, s.paused])).to.deep.equal([
      ["c1", 7, true],
      ["c2", 3, false],
    ]);
  });
});
