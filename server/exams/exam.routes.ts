import type { Router } from "express";
import { z } from "zod";
import type { AuthUser } from "../contracts/auth.js";
import type { SessionRoomDto } from "../contracts/exams.js";
import { actingUser, requireAuth, requireRole } from "../auth/index.js";
import { errors } from "../lib/errors.js";
import { strictRouter, parse } from "../lib/http.js";
import { canSeeDivision } from "../organisation/index.js";
import { findBrokenLink } from "./event-chain.js";
import type { ExamService } from "./exam.service.js";
import type { SchedulingPort } from "./ports.js";
import { reportToCsv, reportToXlsx } from "./report-export.js";
import type { ResultsService } from "./results.service.js";

const Id = z.string().min(1).max(64);
const SessionParams = z.object({ sessionId: Id }).strict();
const AttemptParams = z.object({ attemptId: Id }).strict();

/** What the routes need of the proctor console (implemented by the proctoring feature). */
export interface RoomAccess {
  room(user: AuthUser, sessionId: string): Promise<SessionRoomDto>;
  authorize(user: AuthUser, sessionId: string): Promise<unknown>;
}

/** REST side of exam delivery: the room snapshot, results publication, the report and its CSV, chains and photos. */
export function examRouter(deps: {
  exams: ExamService;
  results: ResultsService;
  proctoring: RoomAccess;
  scheduling: SchedulingPort;
  /** The node's TIME_ZONE: exports show local times. */
  timeZone: string;
}): Router {
  const r = strictRouter();

  async function officerSession(user: AuthUser, sessionId: string) {
    const session = await deps.scheduling.getSession(sessionId);
    if (!session) throw errors.notFound("考试场次", "session_not_found");
    // An officer sees sessions of their own division and the divisions below it.
    if (!canSeeDivision(user.divisionCode, session.divisionCode)) throw errors.forbidden();
    return session;
  }

  r.get("/exam-sessions/:sessionId/room", requireRole("proctor", "officer"), async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    res.json(await deps.proctoring.room(actingUser(req), sessionId));
  });

  r.get("/exam-sessions/:sessionId/report", requireRole("officer"), async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    await officerSession(actingUser(req), sessionId);
    res.json(await deps.results.report(sessionId));
  });

  r.get("/exam-sessions/:sessionId/report.csv", requireRole("officer"), async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    await officerSession(actingUser(req), sessionId);
    const csv = reportToCsv(await deps.results.report(sessionId), deps.timeZone);
    res.setHeader("content-type", "text/csv; charset=utf-8");
    res.setHeader("content-disposition", `attachment; filename="session-${sessionId}-report.csv"`);
    res.send(csv);
  });

  r.get("/exam-sessions/:sessionId/report.xlsx", requireRole("officer"), async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    await officerSession(actingUser(req), sessionId);
    const xlsx = await reportToXlsx(await deps.results.report(sessionId), deps.timeZone);
    res.setHeader("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    res.setHeader("content-disposition", `attachment; filename="session-${sessionId}-report.xlsx"`);
    res.send(xlsx);
  });

  r.post("/exam-sessions/:sessionId/results/publish", requireRole("officer"), async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    parse(z.object({}).strict(), req.body ?? {});
    const user = actingUser(req);
    await officerSession(user, sessionId);
    res.json(await deps.results.publish({ id: user.id, name: user.displayName, kind: "staff" }, sessionId));
  });

  r.get("/attempts/:attemptId/events", requireRole("officer"), async (req, res) => {
    const { attemptId } = parse(AttemptParams, req.params);
    const owner = await deps.exams.ownerOf(attemptId);
    if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
    await officerSession(actingUser(req), owner.sessionId);
    const events = await deps.exams.events(attemptId);
    res.json({
      valid: findBrokenLink(events) === null,
      events: events.map((e) => ({
        n: e.n,
        at: e.at.toISOString(),
        type: e.type,
        data: e.data,
        prevHash: e.prevHash,
        hash: e.hash,
      })),
    });
  });

  r.get("/attempts/:attemptId/check-in-photo", requireAuth, async (req, res) => {
    const { attemptId } = parse(AttemptParams, req.params);
    const user = actingUser(req);
    const owner = await deps.exams.ownerOf(attemptId);
    if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
    if (user.kind === "candidate") {
      if (user.candidate?.candidateId !== owner.candidateId) throw errors.forbidden();
    } else if (user.roles.includes("proctor")) {
      await deps.proctoring.authorize(user, owner.sessionId);
    } else if (user.roles.includes("officer")) {
      await officerSession(user, owner.sessionId);
    } else throw errors.forbidden();
    const photo = await deps.exams.photo(attemptId);
    if (!photo) throw errors.notFound("现场照片", "photo_not_found");
    res.setHeader("content-type", photo.contentType);
    res.setHeader("cache-control", "private, no-store");
    res.send(photo.data);
  });

  return r;
}
