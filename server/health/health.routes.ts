import type { Router } from "express";
import { strictRouter } from "../lib/http.js";
import mongoose, { type Connection } from "mongoose";
import { nodeStatusOf } from "./node-status.js";
import type { Readiness } from "./readiness.js";

/**
 * `/healthz` says the process is up (for the load balancer and Docker HEALTHCHECK), with what the
 * node's background work reports for operators (node-status.ts; on a province node
 * `hubCertificateKeys`: null, or why rotated keys cannot reach the hub); `/readyz` says
 * the instance should get work: it is not stopping, what `readiness` checks holds (Redis, so that
 * an instance cut off from the other instances' rooms is taken out of rotation), and the database
 * answers. Each refusal is a 503 naming its reason.
 */
export function healthRouter(
  conn: Connection,
  info: { role: string; provinceCode: string | null; nodeName: string },
  readiness?: Readiness,
): Router {
  const router = strictRouter();
  router.get("/healthz", (_req, res) => {
    // Reported, not judged: a background problem does not take the instance out of rotation.
    res.json({ status: "ok", ...info, ...nodeStatusOf(conn) });
  });
  router.get("/readyz", async (_req, res) => {
    const problem = readiness?.current();
    if (problem) {
      res.status(503).json({ error: problem });
      return;
    }
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
