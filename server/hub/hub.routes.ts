import type { Request, Response, Router } from "express";
import { z } from "zod";
import { ChangesQuery, LookupBody, RegisterNodeBody, type HubIdentityDto } from "../contracts/hub.js";
import { requireRole } from "../auth/index.js";
import { parse, strictRouter } from "../lib/http.js";
import { authenticatedNode, type MessageLog, type NodeGate, type NodeKey } from "../sharing/index.js";
import type { CatalogService } from "./catalog.service.js";
import type { CollectionService } from "./collection.service.js";
import type { RegistryService } from "./registry.service.js";

export const HUB_API_PREFIX = "/hub/v1";

/**
 * The inter-node interfaces under /api/hub/v1. Every route behind `gate.authenticate` is reached
 * only with a valid node signature and a fresh nonce; every answer leaves through `gate.reply`,
 * signed, stored against the nonce and logged.
 */
export function hubNodeRouter(deps: {
  gate: NodeGate;
  key: NodeKey;
  collection: CollectionService;
  catalog: CatalogService;
}): Router {
  const { gate } = deps;
  const r = strictRouter();
  const send = (req: Request, res: Response, body: unknown, status = 200) => gate.reply(req, res, status, body);

  r.get(`${HUB_API_PREFIX}/identity`, (_req, res) => {
    const body: HubIdentityDto = { keyId: deps.key.keyId, publicKey: deps.key.publicKeyX, alg: "ed25519" };
    res.set("cache-control", "public, max-age=300").json(body);
  });

  const signed = strictRouter();
  signed.use(gate.authenticate);
  signed.post("/collection/records", async (req, res) => {
    const node = authenticatedNode(res);
    await send(req, res, await deps.collection.ingest(req.body, node.peer));
  });
  signed.post("/catalog/lookups", async (req, res) => {
    const node = authenticatedNode(res);
    const body = parse(LookupBody, req.body);
    await send(req, res, await deps.catalog.lookup(body, node.peer));
  });
  signed.get("/catalog/changes", async (req, res) => {
    const node = authenticatedNode(res);
    const q = parse(ChangesQuery, req.query);
    await send(req, res, await deps.catalog.changes(node.peer, q.after, q.limit));
  });
  signed.get("/catalog/lookup-notices", async (req, res) => {
    const node = authenticatedNode(res);
    const q = parse(ChangesQuery, req.query);
    await send(req, res, await deps.catalog.lookupNotices(node.peer, q.after, q.limit));
  });
  signed.use(gate.errorHandler);
  r.use(HUB_API_PREFIX, signed);
  return r;
}

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  beforeSeq: z.coerce.number().int().min(1).optional(),
  province: z.string().regex(/^\d{6}$/).optional(),
});

/** The hub operator's pages: registered provinces and keys, the message log, rejected records, lookups. */
export function hubAdminRouter(deps: {
  registry: RegistryService;
  collection: CollectionService;
  catalog: CatalogService;
  log: MessageLog;
}): Router {
  const r = strictRouter();
  const operator = requireRole("admin", "hub_operator");
  r.get("/hub/nodes", operator, async (_req, res) => {
    res.json(await deps.registry.list());
  });
  r.post("/hub/nodes", operator, async (req, res) => {
    res.status(201).json(await deps.registry.register(parse(RegisterNodeBody, req.body)));
  });
  r.post("/hub/nodes/:provinceCode/status", operator, async (req, res) => {
    const body = parse(z.object({ status: z.enum(["active", "suspended"]) }).strict(), req.body);
    res.json(await deps.registry.setStatus(String(req.params.provinceCode), body.status));
  });
  r.get("/hub/messages", operator, async (req, res) => {
    const q = parse(ListQuery, req.query);
    res.json(await deps.log.list({ peer: q.province, beforeSeq: q.beforeSeq, limit: q.limit }));
  });
  r.get("/hub/messages/verify", operator, async (_req, res) => {
    res.json(await deps.log.verify());
  });
  r.get("/hub/rejections", operator, async (req, res) => {
    const q = parse(ListQuery, req.query);
    res.json(await deps.collection.rejections({ province: q.province, limit: q.limit }));
  });
  r.get("/hub/lookups", operator, async (req, res) => {
    const q = parse(ListQuery, req.query);
    res.json(await deps.catalog.recentLookups(q.limit));
  });
  return r;
}
