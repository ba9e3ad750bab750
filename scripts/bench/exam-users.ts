/**
 * The identities of the exam fixtures (scripts/bench/exam-fixtures.ts: test centre tc-1 in 南京),
 * shared by `bench:exam` and the exam integration tests, which connect as them through the test
 * identity header (exam-node.ts).
 */
import type { AuthUser } from "../../server/contracts/auth.js";
import type { SeatAssignmentDto } from "../../server/contracts/scheduling.js";

/** The proctor of the fixtures' test centre. */
export function proctorUser(over: Partial<AuthUser> = {}): AuthUser {
  return {
    id: "proctor-1",
    kind: "staff",
    roles: ["proctor"],
    displayName: "王监考",
    divisionCode: "320100",
    provinceCode: "320000",
    testCentreId: "tc-1",
    ...over,
  };
}

/** The candidate seated by assignment `a` in fixture session `sessionId`. */
export function candidateUser(sessionId: string, a: SeatAssignmentDto): AuthUser {
  return {
    id: a.candidateId,
    kind: "candidate",
    roles: ["candidate"],
    displayName: a.name,
    divisionCode: "320100",
    provinceCode: "320000",
    candidate: { candidateId: a.candidateId, sessionId, ticketNo: a.ticketNo, seatId: a.seatId },
  };
}
