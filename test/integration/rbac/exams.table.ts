import { Types } from "mongoose";
import { createAuditService } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createExamService, type Notifier } from "../../../server/exams/index.js";
import type { RunningNode } from "../../../server/main.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createProctoringService } from "../../../server/proctoring/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { accessTrustingActors } from "../../helpers/access.js";
import { createTestRoom } from "../../helpers/auth.js";
import { tinyPapers } from "../../../scripts/bench/exam-fixtures.js";
import type { RbacFixtures, RbacRow, RbacTable } from "./rbac-types.js";

/**
 * Rows of the exam-delivery REST routes (`server/exams/exam.routes.ts`). Every one is scoped to the
 * session's division: officers through the route's division check, proctors through the proctor
 * console's test-centre check (`server/proctoring` `authorize`), so each allowed role is "own".
 */

const PNG_1PX =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** Pushes nowhere: the setup runs outside any socket, and nobody is watching these rooms yet. */
const silent: Notifier = { toRoom: () => undefined };

/** The scheduling service of the node's database (the same one `rbac.test.ts` builds divisions with). */
function scheduling(node: RunningNode) {
  const { conn, config } = node.ctx;
  const organisation = createOrganisationService(conn, config.provinceCode, undefined, {
    timeZone: config.timeZone,
  });
  const registration = createRegistrationService(conn, {
    timeZone: config.timeZone,
    provinceCode: config.provinceCode,
  });
  return createSchedulingService(conn, {
    timeZone: config.timeZone,
    provinceCode: config.provinceCode,
    organisation,
    registration,
  });
}

/** Province-level scheduler, used only to create sessions (not a matrix actor). */
function scheduler(node: RunningNode): AuthUser {
  return {
    id: "rbac-exams",
    kind: "staff",
    roles: ["admin", "officer"],
    displayName: "矩阵考务",
    divisionCode: "320000",
    provinceCode: node.ctx.config.provinceCode,
  };
}

const extra = (fx: RbacFixtures, key: string): string => fx.extra.exams?.[key] ?? "";

/**
 * Checks the own division's fixture candidate in to the own session with an on-site photo, through
 * the proctoring and exam services of the public surfaces (the node's own papers come from the
 * question bank, which has no 01001 blueprint here, so a fixture paper port stands in; the attempt,
 * its chain and photo land in the node's database, where the routes read them). The check-in pins
 * the session to the fixture paper's blueprint, so the node's bank holds that version too (retired,
 * so it is no category's current one): seating in the session asks its retake policy.
 */
export const setup: RbacTable["setup"] = async (node, fx) => {
  const { conn } = node.ctx;
  await conn.collection("blueprints").insertOne({
    blueprintId: "bp-test",
    version: 1,
    status: "retired",
    categoryCode: "01001",
    title: "矩阵测试方案",
    minutes: 60,
    passMark: 8,
    points: { true_false: 1, single: 1, multiple: 1 },
    cells: [{ type: "single", chapter: "安全行车", count: 10 }],
    multipleScoring: "all_or_nothing",
    retake: { freeRetakes: 1, waitDays: 30 },
    accommodations: {},
    createdBy: "rbac",
  });
  const sched = scheduling(node);
  const audit = createAuditService(conn);
  const exams = createExamService(node.ctx, {
    scheduling: sched,
    papers: tinyPapers(),
    audit,
    notifier: silent,
  });
  const proctoring = createProctoringService(node.ctx, {
    exams,
    scheduling: sched,
    audit,
    access: accessTrustingActors(sched),
    notifier: silent,
  });
  const proctor: AuthUser = {
    id: "rbac-proctor",
    kind: "staff",
    roles: ["proctor"],
    displayName: "矩阵监考",
    divisionCode: fx.own.divisionCode,
    provinceCode: node.ctx.config.provinceCode,
    testCentreId: fx.own.testCentreId,
  };
  const checkedIn = await proctoring.checkIn(proctor, {
    sessionId: fx.own.sessionId,
    candidateId: fx.own.candidateId,
    idNumber: fx.own.idNumber,
    photo: `data:image/png;base64,${PNG_1PX}`,
  });
  // The publish row's sessions get a room of their own, so their times never meet other tables' sessions.
  const publishRoom = await createTestRoom(node, { seats: 1, divisionCode: fx.own.divisionCode });
  return {
    attemptId: checkedIn.seat.attemptId ?? "",
    publishTestCentreId: publishRoom.testCentreId,
    publishRoomId: publishRoom.roomId,
  };
};

/**
 * A new own-division session with no attempts: publishable once, so each allowed call can succeed
 * (the fixture session cannot be published: its checked-in attempt is still open).
 */
async function publishableSession(fx: RbacFixtures): Promise<string> {
  const session = await scheduling(fx.node).createSession(scheduler(fx.node), {
    categoryCode: "01001",
    testCentreId: extra(fx, "publishTestCentreId"),
    roomId: extra(fx, "publishRoomId"),
    // One day apart per call, so the room is never double-booked.
    startsAt: new Date(Date.now() + (1 + fx.unique()) * 86_400_000).toISOString(),
    durationMinutes: 60,
    lateEntryMinutes: 20,
    earliestHandInMinutes: 30,
  });
  // Results are published only once a session is over: this one took place last year.
  const shift = 366 * 86_400_000;
  const start = new Date(session.startsAt).getTime() - shift;
  await fx.node.ctx.conn.collection("exam_sessions").updateOne(
    { _id: new Types.ObjectId(session.id) },
    {
      $set: {
        startsAt: new Date(start),
        endsAt: new Date(start + 60 * 60_000),
        bookedUntil: new Date(new Date(session.bookedUntil).getTime() - shift),
      },
    },
  );
  return session.id;
}

export const rows: RbacRow[] = [
  {
    method: "get",
    path: "/exam-sessions/:sessionId/room",
    access: { proctor: "own", officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/room` }),
  },
  {
    method: "get",
    path: "/exam-sessions/:sessionId/report",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/report` }),
  },
  {
    method: "get",
    path: "/exam-sessions/:sessionId/report.csv",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/report.csv` }),
  },
  {
    method: "get",
    path: "/exam-sessions/:sessionId/report.xlsx",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/exam-sessions/${fx.own.sessionId}/report.xlsx` }),
  },
  {
    method: "post",
    path: "/exam-sessions/:sessionId/results/publish",
    access: { officer: "own" },
    request: async (fx) => ({
      url: `/api/exam-sessions/${await publishableSession(fx)}/results/publish`,
      body: {},
    }),
  },
  {
    method: "get",
    path: "/attempts/:attemptId/events",
    access: { officer: "own" },
    request: (fx) => ({ url: `/api/attempts/${extra(fx, "attemptId")}/events` }),
  },
  {
    // The attempt is the own fixture candidate's, so the candidate matrix actor of the own division
    // is its owner and the other division's candidate is not: "own" is exactly "only the owner".
    method: "get",
    path: "/attempts/:attemptId/check-in-photo",
    access: { candidate: "own", proctor: "own", officer: "own" },
    request: (fx) => ({ url: `/api/attempts/${extra(fx, "attemptId")}/check-in-photo` }),
  },
];
