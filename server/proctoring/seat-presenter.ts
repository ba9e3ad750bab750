import type { SeatViewDto } from "../contracts/exams.js";
import type { SeatAssignmentDto } from "../contracts/scheduling.js";

/** The seat of an assigned candidate who has not been checked in yet. */
export function notArrivedSeat(sessionId: string, s: SeatAssignmentDto): SeatViewDto {
  return {
    sessionId,
    seatId: s.seatId,
    seatNo: s.seatNo,
    candidateId: s.candidateId,
    candidateName: s.name,
    ticketNo: s.ticketNo,
    attemptId: null,
    photoUrl: null,
    state: "not_arrived",
    paused: false,
    answered: 0,
    total: 0,
    deadline: null,
    remainingMs: null,
    disconnectedSince: null,
    score: null,
    passed: null,
    closeReason: null,
    extraMinutes: 0,
    pendingExtensions: [],
  };
}
