import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createAuditService } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { CollectionReceipt, LookupAnswer } from "../../../server/contracts/hub.js";
import { createMessageLog, createNodeClient, generateNodeKey, loadOrCreateNodeKey, type NodeClient } from "../../../server/sharing/index.js";
import { aCertificateRecord, aNewIdNumber } from "../hub/support.js";
import {
  buildStatusList,
  canonicalJson,
  createSigner,
  emptyStatusBits,
  generateKeyPair,
  keyIdOf,
  randomStatusIndex,
  sealClaims,
  type SealingKey,
} from "../../../server/certificates/index.js";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";
import type { RbacFixtures, RbacRow, RbacTable } from "./rbac-types.js";
import { routeRow } from "./row-builders.js";

/**
 * Rows of the province's exchange routes (issue 13). Officers file, transfer and report at every
 * level; received cases are scoped to the officer's division (the issuing office's), sent ones to
 * the sender's. The escalation list belongs to the province level: the matrix's officers are city
 * officers (南京 / 苏州), so every one of them is refused it. Sending needs a practitioner homed in
 * another province at the hub and a lookup by this node: each request makes its own.
 */

const officerAll = { officer: "all" } as const;
const officerOwn = { officer: "own" } as const;

let clients: { home: NodeClient; self: NodeClient } | null = null;

/**
 * A 北京 practitioner with a valid certificate at the hub, and this node's lookup of them made by
 * `actor`: asked at the hub, then recorded for the actor's account (hub.lookup_answered) as the
 * node's lookup does before showing the answer. A case citing a lookup the node has no record of
 * is refused lookup_unknown, one of another account's lookup_not_own. With no actor (a caller
 * sending as no one in particular) nothing is recorded.
 */
async function aLookedUpPractitioner(fx: RbacFixtures, reason: "filing" | "enforcement", actor?: AuthUser) {
  if (!clients) {
    const key = generateNodeKey();
    await fx.hub.registry.register({ provinceCode: "110000", name: "北京", nodeKey: key.publicKeyX, certificateKeys: [] });
    const log = createMessageLog(fx.node.ctx.conn);
    clients = {
      home: createNodeClient({ key, peer: fx.hub.peer, log }),
      self: createNodeClient({ key: loadOrCreateNodeKey(fx.node.ctx.config.nodeKey.dir), peer: fx.hub.peer, log }),
    };
  }
  const idNumber = aNewIdNumber("110101");
  const published = await clients.home.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
    batchId: `rbac-${idNumber}`,
    records: [aCertificateRecord({ province: "110000", idNumber, name: "矩阵" })],
  });
  if (published.body.results[0]?.outcome !== "accepted") throw new Error(published.rawBody);
  const caseReference = "RBAC";
  const found = await clients.self.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
    query: { by: "id_number", idNumber }, officerId: actor?.id ?? "rbac", reason, caseReference,
  });
  const { lookupId } = found.body;
  if (actor)
    await createAuditService(fx.node.ctx.conn).record({
      action: "hub.lookup_answered", actor, divisionCode: actor.divisionCode, target: { type: "practitioner", id: idNumber },
      details: { by: "id_number", reason, caseReference, lookupId, matches: found.body.matches.length },
    });
  return { lookupId, practitioner: { idNumber, name: "矩阵" } };
}

/** A case on this node, in the own division (南京 320100); `more` overrides its kind, details and answer. */
async function aLocalCase(
  fx: RbacFixtures, box: "in" | "out", state = box === "in" ? "delivered" : "acknowledged", more: { kind?: string; details?: object; ack?: object } = {},
): Promise<{ caseId: string; idNumber: string }> {
  const caseId = randomUUID();
  const idNumber = aNewIdNumber("320102");
  const now = new Date();
  await fx.node.ctx.conn.collection("exchange_local_cases").insertOne({
    caseId, kind: "filing", box, state, fromProvince: box === "in" ? "110000" : "320000", toProvince: box === "in" ? "320000" : "110000",
    division: fx.own.divisionCode, idNumber, name: "矩阵", officer: { id: "x", name: "某", divisionCode: "110105" }, lookupId: null,
    details: {}, sentAt: now, deadlineAt: new Date(now.getTime() + 86_400_000), overdue: false, escalatedAt: null, refusal: null,
    history: [], ack: null, end: null, createdAt: now, updatedAt: now, ...more,
  });
  return { caseId, idNumber };
}

const aPdf = () => Buffer.concat([Buffer.from("%PDF-1.7\n", "latin1"), randomBytes(64)]);

/** A notice sent from the own division naming a document this node holds. */
async function aNoticeWithDocument(fx: RbacFixtures): Promise<{ caseId: string; sha256: string }> {
  const data = aPdf();
  const sha256 = createHash("sha256").update(data).digest("hex");
  await fx.node.ctx.conn.collection("exchange_local_documents").insertOne({ sha256, mediaType: "application/pdf", bytes: data.length, data, source: fx.own.divisionCode, at: new Date() });
  const documents = [{ name: "矩阵.pdf", mediaType: "application/pdf", sha256, bytes: data.length }];
  const { caseId } = await aLocalCase(fx, "out", "sent", { kind: "notice", details: { ...notice, documents } });
  return { caseId, sha256 };
}

/**
 * 广东's certificate key, registered at the hub before any row runs (the node reads the hub's
 * national trust list once a minute), so a transfer's source certificate verifies on this node.
 */
let guangdong: SealingKey | null = null;
/** When 广东's list at the hub was made: its agreements are dated no later (issuance needs a list made since). */
let guangdongListAt = new Date(0);
export const setup: RbacTable["setup"] = async (_node, fx) => {
  // Another world in the same run (the fuzz sweep builds its own): nothing cached from the last.
  clients = null;
  listed = null;
  const pair = generateKeyPair("ed25519");
  const kid = keyIdOf("ed25519", pair.publicKey);
  const node = generateNodeKey();
  await fx.hub.registry.register({
    provinceCode: "440000", name: "广东", nodeKey: node.publicKeyX,
    certificateKeys: [{ kid, suite: "ed25519", publicKey: pair.publicKey, validFrom: "2020-01-01" }],
  });
  guangdong = { kid, signer: createSigner(pair) };
  // And its status list at the hub: a transfer's issuance reads the home's current status there.
  guangdongListAt = new Date();
  const list = buildStatusList(
    { provinceCode: "440000", bits: emptyStatusBits(), now: guangdongListAt, validForSeconds: 86_400 },
    guangdong,
  );
  const client = createNodeClient({ key: node, peer: fx.hub.peer, log: createMessageLog(fx.node.ctx.conn) });
  const pushed = await client.call("POST", "/api/hub/v1/status-lists", list);
  if (pushed.status !== 200) throw new Error(`广东's status list refused: ${pushed.rawBody}`);
  return {};
};

/** An agreed transfer from 广东 in the own division, with 广东's signed certificate, not yet issued. */
async function anAgreedTransfer(fx: RbacFixtures): Promise<string> {
  if (!guangdong) throw new Error("exchange table setup did not run");
  const idNumber = aNewIdNumber("440104");
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();
  const record: CertificateRecord = {
    provinceCode: "440000", certificateNo: idNumber, version: 1, serial: `${idNumber}-01`,
    holder: { name: "矩阵", sex: "male", birthDate: "1985-01-01", idNumber, nationality: "中国", addressDivisionCode: "440104", licenceClass: "A2", licenceFirstIssuedOn: "2010-01-01" },
    categories: [{ code: "02001", name: "经营性道路货物运输驾驶员", firstIssuedOn: "2025-01-01", attemptId: "gd-1", chainHash: "f6".repeat(32) }],
    issuingAuthority: { divisionCode: "440000", name: "广东省道路运输管理机构" }, firstIssuedOn: "2025-01-01", issuedAt: now,
    validFrom: "2025-01-01", validTo: "2030-12-31", status: "valid", statusReason: null, statusChangedAt: now, statusIndex: randomStatusIndex(), updatedAt: now,
  };
  const qr = sealClaims(
    { provinceCode: "440000", certificateNo: idNumber, version: 1, name: "矩阵", categories: ["02001"], validFrom: record.validFrom, validTo: record.validTo, issuedAt: now, statusIndex: record.statusIndex, chainHash: "f6".repeat(32) },
    guangdong,
  );
  const value = Buffer.from(guangdong.signer.sign(Buffer.from(canonicalJson(record), "utf8"))).toString("base64url");
  const caseId = randomUUID();
  const at = new Date();
  await fx.node.ctx.conn.collection("exchange_local_cases").insertOne({
    caseId, kind: "transfer", box: "out", state: "acknowledged", fromProvince: "320000", toProvince: "440000", division: fx.own.divisionCode,
    idNumber, name: "矩阵", officer: { id: "x", name: "某", divisionCode: fx.own.divisionCode }, lookupId: null, details: { reason: "户籍迁入本省" },
    sentAt: at, deadlineAt: new Date(at.getTime() + 86_400_000), overdue: false, escalatedAt: null, refusal: null, history: [], end: null, issued: null,
    ack: { outcome: "acknowledged", problem: null, officer: { id: "y", name: "粤", divisionCode: "440000" }, certificate: { record, signature: { suite: "ed25519", kid: guangdong.kid, value, qr } }, at: guangdongListAt.toISOString() },
    createdAt: at, updatedAt: at,
  });
  return caseId;
}

const filing = { employer: { name: "矩阵运输公司" }, startDate: "2026-12-01", categoryCode: "02001", licence: { number: "110101199001011234", class: "A2" }, contact: { phone: "010-12345678" } };
const notice = { caseNumber: "RBAC-罚-1", decidedOn: "2026-11-20", legalBasis: "《道路运输从业人员管理规定》", facts: "矩阵测试", points: 2 };

let listed: string | null = null;

export const rows: RbacRow[] = [
  {
    method: "post", path: "/exchange/filings", access: officerAll,
    request: async (fx, actor) => ({ url: "/api/exchange/filings", body: { ...(await aLookedUpPractitioner(fx, "filing", actor)), details: filing } }),
  },
  {
    method: "post", path: "/exchange/transfers", access: officerAll,
    request: async (fx, actor) => ({ url: "/api/exchange/transfers", body: { ...(await aLookedUpPractitioner(fx, "filing", actor)), details: { reason: "户籍迁入本省" } } }),
  },
  {
    method: "post", path: "/exchange/notices", access: officerAll,
    request: async (fx, actor) => ({ url: "/api/exchange/notices", body: { ...(await aLookedUpPractitioner(fx, "enforcement", actor)), details: notice } }),
  },
  {
    method: "post", path: "/exchange/documents", access: officerAll,
    request: () => Promise.resolve({ url: "/api/exchange/documents", body: { name: "矩阵.pdf", dataBase64: aPdf().toString("base64") } }),
  },
  {
    method: "get", path: "/exchange/cases/:caseId/documents/:sha256", access: officerOwn,
    request: async (fx) => {
      const { caseId, sha256 } = await aNoticeWithDocument(fx);
      return { url: `/api/exchange/cases/${caseId}/documents/${sha256}` };
    },
  },
  {
    method: "get", path: "/exchange/cases", access: officerAll,
    request: async (fx) => {
      listed ??= (await aLocalCase(fx, "in")).caseId;
      return { url: "/api/exchange/cases?box=in&limit=200" };
    },
    includesOwn: (body) => ((body as { cases?: { caseId: string }[] }).cases ?? []).some((c) => c.caseId === listed),
  },
  // Province level only; the matrix has no province-level officer, so everyone is refused.
  routeRow("get", "/exchange/escalations", {}),
  {
    method: "get", path: "/exchange/cases/:caseId", access: officerOwn,
    request: async (fx) => ({ url: `/api/exchange/cases/${(await aLocalCase(fx, "out")).caseId}` }),
  },
  {
    method: "post", path: "/exchange/cases/:caseId/answer", access: officerOwn,
    request: async (fx) => ({ url: `/api/exchange/cases/${(await aLocalCase(fx, "in")).caseId}/answer`, body: { outcome: "acknowledged" } }),
  },
  // 撤回异议: a received notice this division disputed.
  {
    method: "post", path: "/exchange/cases/:caseId/dispute-withdrawal", access: officerOwn,
    request: async (fx) => {
      const ack = { outcome: "problem", problem: { code: "other", note: "决定书有误" }, officer: { id: "x", name: "某", divisionCode: fx.own.divisionCode }, at: new Date().toISOString() };
      const { caseId } = await aLocalCase(fx, "in", "problem", { kind: "notice", details: notice, ack });
      return { url: `/api/exchange/cases/${caseId}/dispute-withdrawal`, body: { reason: "核实无误" } };
    },
  },
  {
    method: "post", path: "/exchange/cases/:caseId/end", access: officerOwn,
    request: async (fx) => ({ url: `/api/exchange/cases/${(await aLocalCase(fx, "out")).caseId}/end`, body: { endDate: "2026-12-05", reason: "离职" } }),
  },
  {
    method: "post", path: "/exchange/cases/:caseId/resend", access: officerOwn,
    request: async (fx) => {
      const { caseId } = await aLocalCase(fx, "out", "ended");
      await fx.node.ctx.conn.collection("exchange_outgoing").insertOne({
        key: `end:${caseId}`, seq: 1_000_000 + Math.floor(Math.random() * 1_000_000), caseId, purpose: "end",
        path: `/cases/${caseId}/end`, body: {}, status: "dead", attempts: 20, availableAt: new Date(),
        leaseUntil: null, lastError: "无法连接全国中心",
      });
      return { url: `/api/exchange/cases/${caseId}/resend`, body: {} };
    },
  },
  {
    method: "post", path: "/certificate-transfers/:caseId/issue", access: officerOwn,
    request: async (fx) => ({ url: `/api/certificate-transfers/${await anAgreedTransfer(fx)}/issue`, body: {} }),
  },
  {
    method: "get", path: "/practitioners/:idNumber", access: officerOwn,
    request: async (fx) => ({ url: `/api/practitioners/${(await aLocalCase(fx, "in")).idNumber}` }),
  },
];
