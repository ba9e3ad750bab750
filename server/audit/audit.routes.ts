import type { Router } from "express";
import { ListAuditQuery } from "../contracts/audit.js";
import { actingUser, requireRole } from "../auth/guards.js";
import { strictRouter, parse } from "../lib/http.js";
import type { AuditService } from "./audit.service.js";

/** Admins read the audit log of their division and verify the whole chain. */
export function auditRouter(audit: AuditService): Router {
  const r = strictRouter();
  r.get("/audit", requireRole("admin"), async (req, res) => {
    res.json(await audit.list(actingUser(req), parse(ListAuditQuery, req.query)));
  });
  r.get("/audit/verify", requireRole("admin"), async (_req, res) => {
    res.json(await audit.verify());
  });
  return r;
}
