import type { Router } from "express";
import { z } from "zod";
import { LookupBody, type LookupAnswer, type LookupNoticesPage } from "../contracts/hub.js";
import { actingUser, requireRole } from "../auth/index.js";
import { errors } from "../lib/errors.js";
import { parse, strictRouter } from "../lib/http.js";
import type { NodeClient } from "./node-client.js";
import type { Publisher } from "./publisher.js";

const OutboundQuery = z.object({
  status: z.enum(["pending", "sending", "done", "dead"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * The province officer's side of sharing: the delivery queue and its dead letters (with retry),
 * lookups at the hub (the officer is the logged-in user; reason and case are required), and the
 * lookups other provinces made of this province's practitioners.
 */
export function sharingRouter(deps: { publisher: Publisher; client: () => NodeClient | null }): Router {
  const r = strictRouter();
  const officer = requireRole("officer", "admin");
  const hub = () => {
    const c = deps.client();
    if (!c) throw errors.conflict("hub_not_configured", "本节点尚未配置全国中心 (HUB_URL / HUB_PUBLIC_KEY)");
    return c;
  };

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
  r.post("/sharing/lookups", officer, async (req, res) => {
    const user = actingUser(req);
    const body = parse(LookupBody.omit({ officerId: true }), req.body);
    const answer = await hub().call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", { ...body, officerId: user.id });
    if (answer.status !== 200) throw errors.badRequest("hub_refused", "全国中心拒绝了查询", answer.body);
    res.json(answer.body);
  });
  r.get("/sharing/lookup-notices", officer, async (req, res) => {
    const after = parse(z.coerce.number().int().min(0).default(0), req.query.after);
    const answer = await hub().call<LookupNoticesPage>("GET", `/api/hub/v1/catalog/lookup-notices?after=${after}`);
    if (answer.status !== 200) throw errors.badRequest("hub_refused", "全国中心拒绝了请求", answer.body);
    res.json(answer.body);
  });
  return r;
}
