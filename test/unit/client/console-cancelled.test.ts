import { expect } from "chai";
import type { SeatViewDto } from "../../../server/contracts/exams.js";
import { seatActions } from "../../../client/src/features/proctor/console-permissions.js";

function seat(over: Partial<SeatViewDto>): SeatViewDto {
  return {
    sessionId: "s1",
    seatId: "seat-1",
    seatNo: 1,
    candidateId: "c1",
    candidateName: "考生1",
    ticketNo: "T1",
    attemptId: "a1",
    photoUrl: null,
    state: "in_progress",
    paused: false,
    answered: 0,
    total: 10,
    deadline: null,
    remainingMs: 60_000,
    disconnectedSince: null,
    score: null,
    passed: null,
    closeReason: null,
    extraMinutes: 0,
    pendingExtensions: [],
    ...over,
  };
}

describe("proctor console: a cancelled session", () => {
  it("when the session is cancelled, then no seat action is offered to its proctor (the server refuses them all as session_cancelled)", () => {
    const cancelled = { canProctor: true, resultsPublished: false, sessionCancelled: true };
    for (const state of ["not_arrived", "checked_in", "ready", "in_progress", "submitted"] as const)
      expect(
        seatActions(seat({ state, attemptId: state === "not_arrived" ? null : "a1" }), cancelled),
        state,
      ).to.deep.equal([]);
  });

  it("when the session is not cancelled, then its proctor is still offered the seat's actions", () => {
    const scheduled = { canProctor: true, resultsPublished: false, sessionCancelled: false };
    expect(seatActions(seat({ state: "not_arrived", attemptId: null }), scheduled)).to.deep.equal([
      "check_in",
      "unlock_login",
    ]);
  });
});
