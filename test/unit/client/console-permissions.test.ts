import { expect } from "chai";
import type { PendingExtensionDto, SeatViewDto } from "../../../server/contracts/exams.js";
import { requestedByViewer, seatActions } from "../../../client/src/features/proctor/console-permissions.js";

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

const proctor = { canProctor: true, resultsPublished: false };
const officer = { canProctor: false, resultsPublished: false };

describe("proctor console: what each viewer is offered", () => {
  it("when a proctor selects a seat still sitting, then its actions and lifting a login lockout are offered", () => {
    const unlock = "unlock_login";
    expect(seatActions(seat({}), proctor)).to.deep.equal(["pause", "extend", "force_submit", "void", unlock]);
    expect(seatActions(seat({ paused: true }), proctor)).to.deep.equal([
      "resume",
      "extend",
      "force_submit",
      "void",
      unlock,
    ]);
    expect(seatActions(seat({ state: "not_arrived", attemptId: null }), proctor)).to.deep.equal([
      "check_in",
      unlock,
    ]);
    expect(seatActions(seat({ state: "ready" }), proctor)).to.deep.equal(["release", "void", unlock]);
  });

  it("when an officer watches the room, then no seat action is offered (the server refuses them all)", () => {
    for (const state of ["not_arrived", "ready", "in_progress", "submitted"] as const)
      expect(seatActions(seat({ state }), officer), state).to.deep.equal([]);
  });

  it("when the session's results are published, then void, extend and force-submit are no longer offered", () => {
    const locked = { canProctor: true, resultsPublished: true };
    expect(seatActions(seat({ state: "submitted" }), locked)).to.deep.equal([]);
    expect(seatActions(seat({}), locked)).to.deep.equal(["pause", "unlock_login"]);
    expect(seatActions(seat({ state: "submitted" }), proctor)).to.deep.equal(["void"]);
  });

  it("when the viewer asked for an extension, then it is theirs by account id", () => {
    const p: PendingExtensionDto = {
      requestId: "r1",
      attemptId: "a1",
      minutes: 5,
      reason: "设备故障",
      requestedBy: "王监考",
      requestedById: "u1",
      requestedAt: "2025-01-01T00:00:00.000Z",
    };
    expect(requestedByViewer(p, "u1")).to.equal(true);
    expect(requestedByViewer(p, "u2")).to.equal(false);
    expect(requestedByViewer(p, null)).to.equal(false);
  });
});

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
