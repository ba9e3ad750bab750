import type { Router } from "express";
import { z } from "zod";
import { actorOf, type Access } from "../access/index.js";
import { RecordId } from "../contracts/auth.js";
import { errors } from "../lib/errors.js";
import { noQuery, parse, strictRouter } from "../lib/http.js";
import { findBrokenLink } from "./event-chain.js";
import type { ExamService } from "./exam.service.js";
import { reportToCsv, reportToXlsx } from "./report-export.js";
import type { ResultsService } from "./results.service.js";

const Id = z.string().min(1).max(64);
/**
 * Canonical (`RecordId`): the access check finds a session typed in upper case too, and the report,
 * the exports and the publication then match the id as given against records that store it in
 * lower case (a publication stored under the id as typed would lock nothing).
 */
const SessionParams = z.object({ sessionId: RecordId }).strict();
const AttemptParams = z.object({ attemptId: Id }).strict();
/** The sittings under review (`paper_changed`) the officer publishes without a result (成绩暂缓发布). */
const PublishBody = z.object({ withheld: z.array(Id).max(1000).optional() }).strict();

/**
 * REST side of exam delivery: results publication, the report and its CSV and Excel exports, event
 * chains and check-in photos. Every session route asks the access layer about the session itself
 * (officers of its division; for photos also the proctors of its test centre).
 */
export function examRouter(deps: {
  exams: ExamService;
  results: ResultsService;
  access: Access;
  /** The node's TIME_ZONE: exports show local times. */
  timeZone: string;
}): Router {
  const r = strictRouter();
  const { access } = deps;

  r.get("/exam-sessions/:sessionId/report", access.route("session:results"), noQuery, async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    await access.assert(actorOf(req), "session:results", { sessionId });
    res.json(await deps.results.report(sessionId));
  });

  r.get(
    "/exam-sessions/:sessionId/report.csv",
    access.route("session:results"),
    noQuery,
    async (req, res) => {
      const { sessionId } = parse(SessionParams, req.params);
      await access.assert(actorOf(req), "session:results", { sessionId });
      const csv = reportToCsv(await deps.results.report(sessionId), deps.timeZone);
      res.setHeader("content-type", "text/csv; charset=utf-8");
      res.setHeader("content-disposition", `attachment; filename="session-${sessionId}-report.csv"`);
      res.send(csv);
    },
  );

  r.get(
    "/exam-sessions/:sessionId/report.xlsx",
    access.route("session:results"),
    noQuery,
    async (req, res) => {
      const { sessionId } = parse(SessionParams, req.params);
      await access.assert(actorOf(req), "session:results", { sessionId });
      const xlsx = await reportToXlsx(await deps.results.report(sessionId), deps.timeZone);
      res.setHeader("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      res.setHeader("content-disposition", `attachment; filename="session-${sessionId}-report.xlsx"`);
      res.send(xlsx);
    },
  );

  r.post("/exam-sessions/:sessionId/results/publish", access.route("session:results"), async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    const body = parse(PublishBody, req.body ?? {});
    const user = await access.assert(actorOf(req), "session:results", { sessionId });
    res.json(
      await deps.results.publish({ id: user.id, name: user.displayName, kind: "staff" }, sessionId, {
        withheld: body.withheld,
      }),
    );
  });

  r.get("/attempts/:attemptId/events", access.route("session:results"), noQuery, async (req, res) => {
    const { attemptId } = parse(AttemptParams, req.params);
    const owner = await deps.exams.ownerOf(attemptId);
    if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
    await access.assert(actorOf(req), "session:results", { sessionId: owner.sessionId });
    const { events, paper } = await deps.exams.chain(attemptId);
    // Valid: every link holds and the paper stored is the one checked in and graded.
    res.json({
      valid: findBrokenLink(events) === null && paper !== "changed",
      paper,
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

  r.get(
    "/attempts/:attemptId/check-in-photo",
    access.route("attempt-photo:read"),
    noQuery,
    async (req, res) => {
      const { attemptId } = parse(AttemptParams, req.params);
      const user = actorOf(req);
      const owner = await deps.exams.ownerOf(attemptId);
      if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
      // The candidate sees their own photo; staff see it as the room's proctors or the division's officers.
      if (user.kind === "candidate") {
        if (user.candidate?.candidateId !== owner.candidateId) throw errors.forbidden();
      } else await access.assert(user, "session:watch", { sessionId: owner.sessionId });
      const photo = await deps.exams.photo(attemptId);
      if (!photo) throw errors.notFound("现场照片", "photo_not_found");
      res.setHeader("content-type", photo.contentType);
      res.setHeader("cache-control", "private, no-store");
      res.send(photo.data);
    },
  );

  return r;
}
