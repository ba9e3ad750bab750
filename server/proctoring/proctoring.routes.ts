import type { Router } from "express";
import { z } from "zod";
import { actorOf, type Access } from "../access/index.js";
import { RecordId } from "../contracts/auth.js";
import { noQuery, parse, strictRouter } from "../lib/http.js";
import type { ProctoringService } from "./proctoring.service.js";

const SessionParams = z.object({ sessionId: RecordId }).strict();

/** REST side of the proctor console: the room snapshot a page loads before it starts watching. */
export function proctoringRouter(proctoring: ProctoringService, access: Access): Router {
  const r = strictRouter();
  // The session relation (proctor of its centre, officer of its division) is checked by the service.
  r.get("/exam-sessions/:sessionId/room", access.route("session:watch"), noQuery, async (req, res) => {
    const { sessionId } = parse(SessionParams, req.params);
    res.json(await proctoring.room(actorOf(req), sessionId));
  });
  return r;
}
