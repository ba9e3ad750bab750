import type { Request, Response, Router } from "express";
import { z } from "zod";
import {
  CertificateKeysAnnouncement,
  CertificateKeysReceipt,
  ChangesPage,
  ChangesQuery,
  CollectionReceipt,
  DismissContestBody,
  HomeContestQuery,
  LookupAnswer,
  LookupBody,
  LookupNoticesPage,
  ReassignHomeBody,
  RegisterNodeBody,
  StatusListReceipt,
  type HubIdentityDto,
} from "../contracts/hub.js";
import { wholeNumber } from "../contracts/validation.js";
import { actorOf, type Access } from "../access/index.js";
import { errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { noQuery, noQueryOnWrites, parse, strictRouter } from "../lib/http.js";
import {
  authenticatedNode,
  signedRouteNotFound,
  type MessageLog,
  type NodeGate,
  type NodeKey,
} from "../sharing/index.js";
import type { CatalogService } from "./catalog.service.js";
import type { CollectionService } from "./collection.service.js";
import type { HomeContestService } from "./home-contests.js";
import { OPENAPI_DOCUMENTS } from "./openapi.js";
import { toMessageLogEntryDto, toRejectionEntryDto } from "./presenters.js";
import type { RegistryService } from "./registry.service.js";
import type { StatusListService } from "./status-lists.js";
import { buildTrustList, TRUST_LIST_REFRESH_SECONDS } from "./trust-list.js";

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
  registry: RegistryService;
  statusLists: StatusListService;
  /** Warns of a stored certificate key left off the national trust list (buildTrustList). */
  logger?: Pick<Logger, "warn">;
}): Router {
  const { gate } = deps;
  const r = strictRouter();
  // Answers are checked against the same contracts the OpenAPI documents are generated from: a
  // response that would break the published interface fails here (500) instead of leaving.
  const send = <S extends z.ZodType>(req: Request, res: Response, contract: S, body: z.infer<S>) => {
    const checked = contract.safeParse(body);
    // The hub's own fault, never the caller's: a ZodError here would map to a 400 blaming the request.
    if (!checked.success) throw new Error("hub answer breaks its published contract", { cause: checked.error });
    return gate.reply(req, res, 200, checked.data);
  };

  r.get(`${HUB_API_PREFIX}/identity`, noQuery, (_req, res) => {
    const body: HubIdentityDto = { keyId: deps.key.keyId, publicKey: deps.key.publicKeyX, alg: "ed25519" };
    res.set("cache-control", "public, max-age=300").json(body);
  });

  r.get(`${HUB_API_PREFIX}/openapi/:name.json`, noQuery, (req, res, next) => {
    // Own keys only: `constructor.json` used to answer Object's constructor as a document ({}),
    // `toString.json` a string and `__proto__.json` a 500.
    const name = String(req.params.name);
    if (!Object.hasOwn(OPENAPI_DOCUMENTS, name)) return next();
    const build = OPENAPI_DOCUMENTS[name as keyof typeof OPENAPI_DOCUMENTS];
    res.set("cache-control", "public, max-age=3600").json(build());
  });
  // Public: verifiers anywhere fetch it; its own signature, not the transport, makes it trustworthy.
  r.get(`${HUB_API_PREFIX}/trust-list`, noQuery, async (_req, res) => {
    const list = await buildTrustList(deps.registry, deps.key, new Date(), deps.logger);
    res
      .set("cache-control", `public, max-age=${TRUST_LIST_REFRESH_SECONDS}`)
      .set("last-modified", list.generatedAt.toUTCString())
      .json(list.document);
  });
  // Public like the trust list: each list is signed by its province's registered certificate key.
  // Cached for the list's own ttl, so verifiers refresh as often as the province intends.
  r.get(`${HUB_API_PREFIX}/status-lists`, noQuery, async (_req, res) => {
    res.set("cache-control", "public, max-age=60").json(await deps.statusLists.index());
  });
  r.get(`${HUB_API_PREFIX}/status-lists/:provinceCode`, noQuery, async (req, res) => {
    const code = parse(z.string().regex(/^[1-9]\d0000$/), req.params.provinceCode);
    const list = await deps.statusLists.get(code);
    if (!list) throw errors.notFound("该省的证照状态列表", "status_list_not_found");
    res
      .set("cache-control", `public, max-age=${Math.max(1, Math.floor(list.ttlMs / 1000))}`)
      .set("last-modified", list.generatedAt.toUTCString())
      .json(list.document);
  });
  r.get(`${HUB_API_PREFIX}/docs`, noQuery, (_req, res) => {
    res.type("html").send(apiPage());
  });

  const signed = strictRouter();
  signed.use(gate.authenticate, noQueryOnWrites);
  signed.post("/collection/records", async (req, res) => {
    const node = authenticatedNode(res);
    await send(req, res, CollectionReceipt, await deps.collection.ingest(req.body, node.peer, node.keyId));
  });
  signed.post("/catalog/lookups", async (req, res) => {
    const node = authenticatedNode(res);
    const body = parse(LookupBody, req.body);
    await send(req, res, LookupAnswer, await deps.catalog.lookup(body, node.peer));
  });
  signed.post("/status-lists", async (req, res) => {
    const node = authenticatedNode(res);
    await send(req, res, StatusListReceipt, await deps.statusLists.publish(req.body, node.peer, node.keyId));
  });
  // A province's own certificate keys, announced before it signs with a new one (rotation).
  signed.post("/certificate-keys", async (req, res) => {
    const node = authenticatedNode(res);
    const body = parse(CertificateKeysAnnouncement, req.body);
    await send(req, res, CertificateKeysReceipt, await deps.registry.announceCertificateKeys(body, node.peer, node.keyId));
  });
  signed.get("/catalog/changes", async (req, res) => {
    const node = authenticatedNode(res);
    const q = parse(ChangesQuery, req.query);
    await send(req, res, ChangesPage, await deps.catalog.changes(node.peer, q.after, q.limit));
  });
  signed.get("/catalog/lookup-notices", async (req, res) => {
    const node = authenticatedNode(res);
    const q = parse(ChangesQuery, req.query);
    await send(req, res, LookupNoticesPage, await deps.catalog.lookupNotices(node.peer, q.after, q.limit));
  });
  // A path or method the hub has not got: refused signed here, not by the app's unsigned 404 (the
  // province read that as an invalid hub signature, never as a missing route).
  signed.use(signedRouteNotFound);
  signed.use(gate.errorHandler);
  r.use(HUB_API_PREFIX, signed);
  return r;
}

const ListQuery = z.strictObject({
  limit: wholeNumber(1, 200).default(50),
  beforeSeq: wholeNumber(1).optional(),
  province: z.string().regex(/^\d{6}$/).optional(),
});

/**
 * The message log's filter: `submit` is every request that changes something (POST), `read` every
 * GET, polls included. Nodes poll every few seconds, so unfiltered the newest page is all polls.
 */
const MessagesQuery = ListQuery.extend({ kind: z.enum(["submit", "read"]).optional() });

/**
 * The hub operator's pages: registered provinces and keys, the message log, rejected records,
 * lookups, and contested homes (home-contests.ts) with their audited reassignment or dismissal.
 */
export function hubAdminRouter(deps: {
  registry: RegistryService;
  collection: CollectionService;
  catalog: CatalogService;
  contests: HomeContestService;
  log: MessageLog;
  access: Access;
}): Router {
  const r = strictRouter();
  const operator = deps.access.route("hub:operate");
  r.get("/hub/nodes", operator, noQuery, async (_req, res) => {
    res.json(await deps.registry.list());
  });
  r.post("/hub/nodes", operator, async (req, res) => {
    res.status(201).json(await deps.registry.register(parse(RegisterNodeBody, req.body), actorOf(req)));
  });
  r.post("/hub/nodes/:provinceCode/status", operator, async (req, res) => {
    const body = parse(z.object({ status: z.enum(["active", "suspended"]) }).strict(), req.body);
    res.json(await deps.registry.setStatus(String(req.params.provinceCode), body.status, actorOf(req)));
  });
  r.get("/hub/messages", operator, async (req, res) => {
    const q = parse(MessagesQuery, req.query);
    const entries = await deps.log.list({ peer: q.province, beforeSeq: q.beforeSeq, limit: q.limit, kind: q.kind });
    res.json(entries.map(toMessageLogEntryDto));
  });
  r.get("/hub/messages/verify", operator, noQuery, async (_req, res) => {
    res.json(await deps.log.verify());
  });
  r.get("/hub/rejections", operator, async (req, res) => {
    const q = parse(ListQuery, req.query);
    const rejections = await deps.collection.rejections({ province: q.province, limit: q.limit });
    res.json(rejections.map(toRejectionEntryDto));
  });
  r.get("/hub/lookups", operator, async (req, res) => {
    const q = parse(ListQuery, req.query);
    res.json(await deps.catalog.recentLookups({ limit: q.limit, province: q.province, beforeSeq: q.beforeSeq }));
  });
  r.get("/hub/home-contests", operator, async (req, res) => {
    res.json(await deps.contests.list(parse(HomeContestQuery, req.query)));
  });
  r.post("/hub/home-contests/:contestId/reassign", operator, noQuery, async (req, res) => {
    const contestId = parse(z.uuid(), req.params.contestId);
    const body = parse(ReassignHomeBody, req.body);
    res.json(await deps.contests.reassign(contestId, body, actorOf(req)));
  });
  r.post("/hub/home-contests/:contestId/dismiss", operator, noQuery, async (req, res) => {
    const contestId = parse(z.uuid(), req.params.contestId);
    const body = parse(DismissContestBody, req.body);
    res.json(await deps.contests.dismiss(contestId, body, actorOf(req)));
  });
  return r;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An operation's path and query parameters for the page: a reader could not see `after`, `limit` or
 * `wait` (nor their defaults) at all. The signature headers every operation takes are the
 * description's, not repeated per operation.
 */
function pageParameters(parameters: { in: string }[] = []): { in: string }[] | undefined {
  const own = parameters.filter((p) => p.in !== "header");
  return own.length ? own : undefined;
}

/** A browsable page of both documents, rendered on the server (no script: the CSP allows none inline). */
function apiPage(): string {
  const sections = Object.entries(OPENAPI_DOCUMENTS).map(([name, build]) => {
    const doc = build() as { info: { title: string; description: string }; paths: Record<string, Record<string, { operationId?: string; parameters?: { in: string }[]; requestBody?: unknown; responses?: Record<string, unknown> }>> };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) => `<details><summary><code>${method.toUpperCase()} /api/hub/v1${escapeHtml(path)}</code> ${escapeHtml(op.operationId ?? "")}</summary>
<pre>${escapeHtml(JSON.stringify({ parameters: pageParameters(op.parameters), requestBody: op.requestBody, responses: op.responses }, null, 2))}</pre></details>`,
      ),
    );
    return `<section><h2>${escapeHtml(doc.info.title)}</h2><p><a href="/api/hub/v1/openapi/${name}.json">${name}.json (OpenAPI 3.1)</a></p>
<pre class="desc">${escapeHtml(doc.info.description)}</pre>${ops.join("\n")}</section>`;
  });
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>全国中心接口文档</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}pre{background:#f6f8fa;padding:1em;overflow:auto;font-size:12px}pre.desc{white-space:pre-wrap}summary{cursor:pointer;padding:.3em 0}</style>
</head><body><h1>全国道路运输从业人员数据共享中心 · 接口文档</h1>${sections.join("\n")}</body></html>`;
}
