import type { Router } from "express";
import type { Access } from "../access/index.js";
import { actorOf } from "../access/index.js";
import { ListAuditQuery } from "../contracts/audit.js";
import { noQuery, parse, strictRouter } from "../lib/http.js";
import type { AuditService } from "./audit.service.js";

/**
 * Admins read the audit log of their division; the province level's admins verify the whole chain
 * (`audit:verify`: the walk reads every division's entries and costs the node a full scan).
 */
export function auditRouter(audit: AuditService, access: Access): Router {
  const r = strictRouter();
  r.get("/audit", access.route("audit:read"), async (req, res) => {
    res.json(await audit.list(actorOf(req), parse(ListAuditQuery, req.query)));
  });
  r.get("/audit/verify", access.route("audit:verify"), noQuery, async (_req, res) => {
    res.json(await audit.verify());
  });
  return r;
}
