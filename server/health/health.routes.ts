import type { Router } from "express";
import { strictRouter } from "../lib/http.js";
import mongoose, { type Connection } from "mongoose";

/**
 * `/healthz` says the process is up (for the load balancer and Docker HEALTHCHECK); `/readyz` says
 * the database answers, so an instance without its database is taken out of rotation.
 */
export function healthRouter(
  conn: Connection,
  info: { role: string; provinceCode: string | null; nodeName: string },
): Router {
  const router = strictRouter();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", ...info });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      if (conn.readyState !== mongoose.ConnectionStates.connected || !conn.db)
        throw new Error(`connection state ${conn.readyState}`);
      await conn.db.admin().ping();
      res.json({ status: "ready" });
    } catch {
      res.status(503).json({ error: { code: "database_unavailable", message: "数据库不可用" } });
    }
  });
  return router;
}
