import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { assignTestCandidate, createTestRoom, registerTestCandidate } from "../../helpers/auth.js";
import type { RbacFixtures, RbacRow } from "./rbac-types.js";
import { routeRow } from "./row-builders.js";
import { anEmptySession } from "./fixtures.js";

/** Rows of the scheduling routes (exam sessions, seating, tickets) and the candidate's admission ticket. */

async function freshAssignment(fx: RbacFixtures): Promise<string> {
  const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
  await assignTestCandidate(fx.node, fx.own.seatingSessionId, c.id);
  return c.id;
}

export const rows: RbacRow[] = [
  routeRow(
    "get",
    "/exam-sessions",
    { officer: "all", proctor: "all" },
    {
      includesOwn: (b, fx) =>
        ((b as { sessions: ExamSessionDto[] }).sessions ?? []).some((s) => s.id === fx.own.sessionId),
    },
  ),
  {
    method: "post",
    path: "/exam-sessions",
    access: { officer: "own" },
    // A fresh room per request, so no other row's sessions can make the room busy.
    request: async (fx) => {
      const room = await createTestRoom(fx.node, { seats: 2, divisionCode: fx.own.divisionCode });
      return {
        url: "/api/exam-sessions",
        body: {
          categoryCode: "01001",
          testCentreId: room.testCentreId,
          roomId: room.roomId,
          startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
        },
      };
    },
  },
  {
    method: "get",
    path: "/exam-sessions/:id",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}` }),
  },
  {
    method: "patch",
    path: "/exam-sessions/:id",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/exam-sessions/${await anEmptySession(fx.node, fx.own.divisionCode)}`,
      body: { lateEntryMinutes: 20 },
    }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/seat-map",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/seat-map` }),
  },
  {
    method: "post",
    path: "/exam-sessions/:id/assignments",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return {
        url: `/api/exam-sessions/${fx.own.seatingSessionId}/assignments`,
        body: { candidateId: c.id },
      };
    },
  },
  {
    // Seats the named fresh candidate (a refusal would be reported in a 200 body, not as an error).
    method: "post",
    path: "/exam-sessions/:id/auto-assign",
    access: { officer: "own" },
    request: async (fx) => {
      const c = await registerTestCandidate(fx.node, { divisionCode: fx.own.divisionCode });
      return {
        url: `/api/exam-sessions/${fx.own.seatingSessionId}/auto-assign`,
        body: { candidateIds: [c.id] },
      };
    },
  },
  {
    method: "delete",
    path: "/exam-sessions/:id/assignments/:candidateId",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/exam-sessions/${fx.own.seatingSessionId}/assignments/${await freshAssignment(fx)}`,
    }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/tickets/:candidateId",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/tickets/${fx.own.candidateId}` }),
  },
  {
    method: "get",
    path: "/exam-sessions/:id/candidates/:candidateId/photo",
    access: { officer: "own", proctor: "own" },
    request: (fx) => ({
      url: `/api/exam-sessions/${fx.own.sessionId}/candidates/${fx.own.candidateId}/photo`,
    }),
  },
  routeRow("get", "/me/admission-ticket", { candidate: "all" }),
];
