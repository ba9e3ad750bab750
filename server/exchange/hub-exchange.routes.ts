import type { Request, Response, Router } from "express";
import { z } from "zod";
import {
  CaseParams,
  CaseReceipt,
  CaseSourceRecord,
  CaseState,
  InboxPage,
  InboxQuery,
} from "../contracts/exchange.js";
import { ProvinceCode } from "../contracts/hub.js";
import { wholeNumber } from "../contracts/validation.js";
import type { Access } from "../access/index.js";
import { noQuery, noQueryOnWrites, parse, strictRouter } from "../lib/http.js";
import { authenticatedNode, signedRouteNotFound, type NodeGate } from "../sharing/index.js";
import type { HubExchangeService } from "./hub-exchange.service.js";
import type { HubDocuments } from "./hub-documents.js";
import { DocumentContent, DocumentParams } from "../contracts/exchange-documents.js";

/** Where the exchange interface lives: beside the collection and catalog interfaces. */
export const EXCHANGE_API_PREFIX = "/hub/v1/exchange";

/**
 * The exchange interface's signed routes (province ↔ hub). Like the other two interfaces, every
 * request is authenticated by its RFC 9421 signature and a fresh nonce, and every answer leaves
 * signed, stored against the nonce and logged; answers are checked against the contracts the
 * OpenAPI document is generated from.
 */
export function hubExchangeNodeRouter(deps: {
  gate: NodeGate;
  exchange: HubExchangeService;
  documents: HubDocuments;
}): Router {
  const { gate, exchange, documents } = deps;
  // As hub.routes.ts: an answer breaking the published contract is the hub's own fault, never the
  // caller's. A ZodError here mapped to 400 validation_failed blaming the province (and a province's
  // pull of an inbox holding such a message was refused on every try); a plain Error is an opaque
  // 500, and the nonce is released so the province may ask again.
  const send = <S extends z.ZodType>(req: Request, res: Response, contract: S, body: z.infer<S>) => {
    const checked = contract.safeParse(body);
    if (!checked.success) throw new Error("hub answer breaks its published contract", { cause: checked.error });
    return gate.reply(req, res, 200, checked.data);
  };
  // Who sent a write, and the key the gate took it under: the service checks both again inside
  // the write's transaction (holdNodeForWrite), as a suspension may commit after the gate.
  const sender = (res: Response) => {
    const node = authenticatedNode(res);
    return [node.peer, node.keyId] as const;
  };
  const signed = strictRouter();
  signed.use(gate.authenticate, noQueryOnWrites);
  signed.post("/cases", async (req, res) => {
    await send(req, res, CaseReceipt, await exchange.submit(req.body, ...sender(res)));
  });
  signed.post("/cases/:caseId/answer", async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(req, res, CaseReceipt, await exchange.answer(caseId, req.body, ...sender(res)));
  });
  signed.post("/cases/:caseId/issued", async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(req, res, CaseReceipt, await exchange.issued(caseId, req.body, ...sender(res)));
  });
  // The former home's word that its certificate had ended before a transfer's issuance notice came.
  signed.post("/cases/:caseId/source-ended", async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(
      req,
      res,
      CaseReceipt,
      await exchange.sourceEnded(caseId, req.body, ...sender(res)),
    );
  });
  signed.post("/cases/:caseId/end", async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(req, res, CaseReceipt, await exchange.end(caseId, req.body, ...sender(res)));
  });
  // The home province takes back its dispute of a notice (撤回异议): hub-case-dispute.ts.
  signed.post("/cases/:caseId/dispute-withdrawal", async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(req, res, CaseReceipt, await exchange.withdrawDispute(caseId, req.body, ...sender(res)));
  });
  // A notice's documents: in from the reporting province, out to either province of the case.
  signed.post("/cases/:caseId/documents", async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(req, res, CaseReceipt, await documents.receive(caseId, req.body, ...sender(res)));
  });
  signed.get("/cases/:caseId/documents/:sha256", noQuery, async (req, res) => {
    const { caseId, sha256 } = parse(DocumentParams, req.params);
    await send(req, res, DocumentContent, await documents.give(caseId, sha256, authenticatedNode(res).peer));
  });
  // The hub's current record of the home's certificate, for issuance on an agreed transfer.
  signed.get("/cases/:caseId/source-record", noQuery, async (req, res) => {
    const { caseId } = parse(CaseParams, req.params);
    await send(req, res, CaseSourceRecord, await exchange.sourceRecord(caseId, authenticatedNode(res).peer));
  });
  signed.get("/inbox", async (req, res) => {
    const q = parse(InboxQuery, req.query);
    // Its cursor confirms delivery, a write: checked again in its transaction under the gate's key.
    const [peer, keyId] = sender(res);
    await send(req, res, InboxPage, await exchange.inbox(peer, q.after, q.limit, q.wait, keyId));
  });
  // A path or method the exchange has not got: refused signed here; falling through, the hub
  // feature's gate met the nonce this gate reserved and answered 409 replay_in_progress for good.
  signed.use(signedRouteNotFound);
  signed.use(gate.errorHandler);
  const r = strictRouter();
  r.use(EXCHANGE_API_PREFIX, signed);
  return r;
}

/** The last row's `sentAt~caseId`: where the next (older) page of the case list starts. */
const CaseCursor = z
  .string()
  .max(80)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z~[A-Za-z0-9-]{8,64}$/, "不是本列表给出的翻页位置")
  .transform((cursor, ctx) => {
    const cut = cursor.indexOf("~");
    const sentAt = new Date(cursor.slice(0, cut));
    if (Number.isNaN(sentAt.getTime())) {
      ctx.addIssue({ code: "custom", message: "不是本列表给出的翻页位置" });
      return z.NEVER;
    }
    return { sentAt, caseId: cursor.slice(cut + 1) };
  });

const CasesQuery = z.strictObject({
  province: ProvinceCode.optional(),
  state: CaseState.optional(),
  overdue: z.enum(["true", "false"]).optional(),
  limit: wholeNumber(1, 200).default(50),
  before: CaseCursor.optional(),
});

/**
 * The ministry level (hub operator): every case in the network, with overdue ones escalated,
 * newest first; `before=<sentAt>~<caseId>` of a page's last row gives the page before it.
 */
export function hubExchangeAdminRouter(deps: { exchange: HubExchangeService; access: Access }): Router {
  const r = strictRouter();
  r.get("/hub/exchange/cases", deps.access.route("exchange:oversee"), async (req, res) => {
    const q = parse(CasesQuery, req.query);
    res.json(await deps.exchange.list({ ...q, overdue: q.overdue === undefined ? undefined : q.overdue === "true" }));
  });
  return r;
}
