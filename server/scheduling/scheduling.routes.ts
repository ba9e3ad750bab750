import type { Router } from "express";
import { actorOf, type Access } from "../access/index.js";
import { RecordId } from "../contracts/auth.js";
import {
  AssignBody,
  AutoAssignBody,
  CreateSessionBody,
  ListSessionsQuery,
  UpdateSessionBody,
} from "../contracts/scheduling.js";
import { noBody, noQuery, parse, strictRouter } from "../lib/http.js";
import type { SchedulingService } from "./scheduling.service.js";

/** Session and candidate ids in the path, canonical: services match them against stored references. */
const IdParam = RecordId;

/** Officers schedule sessions and seat candidates; proctors read their test centre's sessions. */
export function schedulingRouter(sched: SchedulingService, access: Access): Router {
  const r = strictRouter();

  r.get("/exam-sessions", access.route("session:list"), async (req, res) => {
    res.json(await sched.listSessions(actorOf(req), parse(ListSessionsQuery, req.query)));
  });

  r.post("/exam-sessions", access.route("session:write"), async (req, res) => {
    const actor = actorOf(req);
    const session = await sched.createSession(actor, parse(CreateSessionBody, req.body));
    res.status(201).json({ session });
  });

  r.get("/exam-sessions/:id", access.route("session:list"), noQuery, async (req, res) => {
    res.json({ session: await sched.getSessionFor(actorOf(req), parse(IdParam, req.params.id)) });
  });

  r.patch("/exam-sessions/:id", access.route("session:write"), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(UpdateSessionBody, req.body);
    const session = await sched.updateSession(actor, parse(IdParam, req.params.id), body);
    res.json({ session });
  });

  r.get("/exam-sessions/:id/seat-map", access.route("session:list"), noQuery, async (req, res) => {
    res.json(await sched.seatMap(actorOf(req), parse(IdParam, req.params.id)));
  });

  r.post("/exam-sessions/:id/assignments", access.route("session:write"), async (req, res) => {
    const actor = actorOf(req);
    const sessionId = parse(IdParam, req.params.id);
    const assignment = await sched.assign(actor, sessionId, parse(AssignBody, req.body));
    res.status(201).json({ assignment });
  });

  r.post("/exam-sessions/:id/auto-assign", access.route("session:write"), async (req, res) => {
    const actor = actorOf(req);
    const sessionId = parse(IdParam, req.params.id);
    res.json(await sched.autoAssign(actor, sessionId, parse(AutoAssignBody, req.body ?? {})));
  });

  r.delete(
    "/exam-sessions/:id/assignments/:candidateId",
    access.route("session:write"),
    noBody,
    async (req, res) => {
      const actor = actorOf(req);
      const sessionId = parse(IdParam, req.params.id);
      const candidateId = parse(IdParam, req.params.candidateId);
      await sched.unassign(actor, sessionId, candidateId);
      res.status(204).end();
    },
  );

  r.get(
    "/exam-sessions/:id/tickets/:candidateId",
    access.route("session:write"),
    noQuery,
    async (req, res) => {
      res.json({
        ticket: await sched.ticketFor(
          actorOf(req),
          parse(IdParam, req.params.id),
          parse(IdParam, req.params.candidateId),
        ),
      });
    },
  );

  // The proctor's check-in compares the person with the registration photo on file.
  r.get(
    "/exam-sessions/:id/candidates/:candidateId/photo",
    access.route("session:list"),
    noQuery,
    async (req, res) => {
      const photo = await sched.assignedCandidatePhoto(
        actorOf(req),
        parse(IdParam, req.params.id),
        parse(IdParam, req.params.candidateId),
      );
      res.setHeader("cache-control", "private, no-store");
      res.type(photo.mimeType).send(photo.data);
    },
  );

  r.get("/me/admission-ticket", access.route("ticket:read-own"), noQuery, async (req, res) => {
    res.json({ ticket: await sched.myTicket(actorOf(req)) });
  });

  return r;
}
