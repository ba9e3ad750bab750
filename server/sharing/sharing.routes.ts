import type { Router } from "express";
import { z } from "zod";
import { requireRole } from "../auth/index.js";
import { errors } from "../lib/errors.js";
import { parse, strictRouter } from "../lib/http.js";
import type { Publisher } from "./publisher.js";

const OutboundQuery = z.object({
  status: z.enum(["pending", "sending", "done", "dead"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * The province officer's side of sharing: the delivery queue to the hub and its dead letters, with
 * a retry. (Officer lookups at the hub through this node are not built yet: the catalog interface is
 * reached node to node.)
 */
export function sharingRouter(deps: { publisher: Publisher }): Router {
  const r = strictRouter();
  const officer = requireRole("officer", "admin");

  r.get("/sharing/outbound", officer, async (req, res) => {
    const q = parse(OutboundQuery, req.query);
    const rows = await deps.publisher.list(q);
    res.json(
      rows.map((e) => ({
        id: String(e._id), seq: e.seq, recordId: e.recordId, idNumber: e.idNumber, status: e.status, attempts: e.attempts,
        outcome: e.outcome ?? null, reasons: e.reasons, lastError: e.lastError ?? null, hubSeq: e.hubSeq ?? null,
        receiptId: e.receiptId ?? null, availableAt: e.availableAt.toISOString(),
      })),
    );
  });
  r.post("/sharing/outbound/:id/retry", officer, async (req, res) => {
    const id = parse(z.string().regex(/^[0-9a-f]{24}$/), req.params.id);
    if (!(await deps.publisher.retry(id))) throw errors.notFound("待重发的记录");
    res.json({ ok: true });
  });
  return r;
}
