import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Connection } from "mongoose";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import {
  RegisterNodeBody,
  type CollectionReceipt,
  type HubIdentityDto,
  type QualificationRecord,
  type RecordResult,
} from "../../../server/contracts/hub.js";
import { loadTrustList } from "../../../server/certificates/index.js";
import { createRegistryService } from "../../../server/hub/index.js";
import { makeIdNumber } from "../../../server/lib/id-number.js";
import { enqueueEvent } from "../../../server/lib/outbox.js";
import {
  createMessageLog,
  createNodeClient,
  generateNodeKey,
  publicKeyFromX,
  type NodeClient,
  type NodeKey,
  type PeerNode,
} from "../../../server/sharing/index.js";
import type { CleaningReport } from "../../../server/sharing/legacy-register.js";
import { certificateKeysOf } from "../../../scripts/demo-hub-registration.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import { startTestNode, type TestNodeOptions } from "../../helpers/node.js";

export type TestHub = Awaited<ReturnType<typeof startTestHub>>;

/** A hub node in-process with its own database and a throwaway key directory. */
export async function startTestHub(
  env: Record<string, string> = {},
  options: Pick<TestNodeOptions, "monitorCommands" | "shareDatabase" | "mongoUri"> = {},
) {
  const keyDir = mkdtempSync(path.join(tmpdir(), "roadcert-hubkey-"));
  const node = await startTestNode({ role: "hub", env: { NODE_KEY_DIR: keyDir, ...env }, ...options });
  const identity = (await (await fetch(`${node.url}/api/hub/v1/identity`)).json()) as HubIdentityDto;
  const peer: PeerNode = { name: "hub", url: node.url, keyId: identity.keyId, publicKey: publicKeyFromX(identity.publicKey) };
  return { node, identity, peer, keyDir: env.NODE_KEY_DIR ?? keyDir, registry: createRegistryService(node.ctx.conn) };
}

/** Registers a province at the hub (as the operator would) and gives it a signing client. */
export async function aRegisteredProvince(
  hub: TestHub,
  provinceCode: string,
  logConn: Connection,
): Promise<{ key: NodeKey; client: NodeClient }> {
  const key = generateNodeKey();
  await hub.registry.register({ provinceCode, name: provinceCode, nodeKey: key.publicKeyX, certificateKeys: [] });
  return { key, client: createNodeClient({ key, peer: hub.peer, log: createMessageLog(logConn) }) };
}

/** A province registered at a test hub: its node key and its signing client. */
export type RegisteredProvince = Awaited<ReturnType<typeof aRegisteredProvince>>;

/**
 * A test hub started before the suite with 江苏 (320000) registered, logging to `provinceDb`;
 * the hub is stopped after. Shared because hub and sharing suites wrote these hooks by hand.
 * Call it after `useTestDatabase` so the hooks keep their order (the database's run first).
 */
export function useHubWithJiangsu(provinceDb: { readonly conn: Connection }) {
  const state: { hub?: TestHub; jiangsu?: RegisteredProvince } = {};
  before(async () => {
    state.hub = await startTestHub();
    state.jiangsu = await aRegisteredProvince(state.hub, "320000", provinceDb.conn);
  });
  after(async () => {
    await state.hub?.node.stop();
  });
  return {
    get hub(): TestHub {
      if (!state.hub) throw new Error("useHubWithJiangsu: the hub is only available inside tests");
      return state.hub;
    },
    get jiangsu(): RegisteredProvince {
      if (!state.jiangsu) throw new Error("useHubWithJiangsu: 江苏 is only available inside tests");
      return state.jiangsu;
    },
  };
}

/** What `useHubWithProvinces` hands a suite: the hub, its operator, each province by name. */
export type HubWithProvinces<K extends string> = {
  readonly hub: TestHub;
  readonly operator: AuthedAgent;
  /** `who` publishes `records` in one batch; the hub's per-record results, in order. */
  publish: (who: RegisteredProvince, records: unknown[]) => Promise<RecordResult[]>;
  /** The hub's pointer (home province, live) for the person `idNumber`. */
  pointer: (idNumber: string) => Promise<Record<string, unknown> | null>;
} & { readonly [name in K]: RegisteredProvince };

/**
 * A test hub started before the suite with the provinces `codes` registered under the names
 * given (`{ jiangsu: "320000" }`), logging to `provinceDb`, and a hub operator signed in; the hub
 * is stopped after; `monitorCommands` for suites counting the hub's database commands. Shared
 * because the home-province and round-trip suites set this up alike. Call it after
 * `useTestDatabase` so the hooks keep their order (the database's run first).
 */
export function useHubWithProvinces<K extends string>(
  provinceDb: { readonly conn: Connection },
  codes: Record<K, string>,
  options: Pick<TestNodeOptions, "monitorCommands"> = {},
): HubWithProvinces<K> {
  const state: { hub?: TestHub; operator?: AuthedAgent; provinces: Partial<Record<K, RegisteredProvince>> } = {
    provinces: {},
  };
  before(async () => {
    state.hub = await startTestHub({}, options);
    for (const name of Object.keys(codes) as K[])
      state.provinces[name] = await aRegisteredProvince(state.hub, codes[name], provinceDb.conn);
    state.operator = await staffAgent(state.hub.node, { roles: ["hub_operator"] });
  });
  after(async () => {
    await state.hub?.node.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (!value) throw new Error(`useHubWithProvinces: ${what} is only available inside tests`);
    return value;
  };
  const net = {
    get hub() {
      return started(state.hub, "the hub");
    },
    get operator() {
      return started(state.operator, "the operator");
    },
    publish: async (who: RegisteredProvince, records: unknown[]) => {
      const res = await who.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
        batchId: `b-${Math.random().toString(36).slice(2, 12)}`,
        records,
      });
      if (!Array.isArray(res.body.results)) throw new Error(`no results: ${res.rawBody}`);
      return res.body.results;
    },
    pointer: (idNumber: string) =>
      started(state.hub, "the hub").node.ctx.conn.collection("hub_practitioners").findOne({ idNumber }),
  };
  for (const name of Object.keys(codes) as K[])
    Object.defineProperty(net, name, { get: () => started(state.provinces[name], name), enumerable: true });
  return net as HubWithProvinces<K>;
}

/**
 * A test hub and 江苏's own province node registered with it, with an officer of 江苏 signed in;
 * both nodes stop after the suite. Shared because the legacy register suites set this up alike.
 */
export function useHubWithJiangsuOfficer() {
  const state: { hub?: TestHub; jiangsu?: ProvinceOfHub; officer?: AuthedAgent } = {};
  before(async () => {
    state.hub = await startTestHub();
    state.jiangsu = await aProvinceOfHub(state.hub, "320000");
    state.officer = await staffAgent(state.jiangsu, { roles: ["officer"], divisionCode: "320000" });
  });
  after(async () => {
    await state.jiangsu?.stop();
    await state.hub?.node.stop();
  });
  const hub = (): TestHub => {
    if (!state.hub) throw new Error("useHubWithJiangsuOfficer: the hub is only available inside tests");
    return state.hub;
  };
  return {
    get hub() {
      return hub();
    },
    get officer(): AuthedAgent {
      if (!state.officer) throw new Error("useHubWithJiangsuOfficer: the officer is only available inside tests");
      return state.officer;
    },
    /** How many of the hub's records match `filter`. */
    hubRecords: (filter: object) => hub().node.ctx.conn.collection("hub_records").countDocuments(filter),
    /** The officer checks a register upload (`{ fileName, dataBase64 }`): the cleaning's report. */
    check: async (file: object): Promise<CleaningReport> => {
      if (!state.officer) throw new Error("useHubWithJiangsuOfficer: the officer is only available inside tests");
      const res = await state.officer.agent.post("/api/sharing/legacy-register/check").send(file);
      if (res.status !== 200) throw new Error(`check answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as CleaningReport;
    },
  };
}

let sequence = 100;
/** A fresh valid ID number born in the given division. */
export function aNewIdNumber(division = "320102"): string {
  sequence = (sequence + 1) % 999;
  return makeIdNumber(division, `19${80 + (sequence % 19)}-0${1 + (sequence % 9)}-1${sequence % 9}`, sequence || 1);
}

const BEIJING_NOW = () => {
  const t = new Date(Date.now() + 8 * 3600_000 - 60_000);
  return t.toISOString().replace(/[-:T]/g, "").slice(0, 14);
};

/** An exam-pass record as a province publishes it. */
export function aPassRecord(overrides: { province?: string; idNumber?: string; version?: number; recordId?: string; name?: string } = {}): QualificationRecord {
  const province = overrides.province ?? "320000";
  return {
    recordId: overrides.recordId ?? `pass:${Math.random().toString(36).slice(2, 12)}`,
    recordType: "exam_pass",
    sourceProvince: province,
    operation: "add",
    state: "valid",
    updateTime: BEIJING_NOW(),
    version: overrides.version ?? 1,
    practitioner: { idNumber: overrides.idNumber ?? aNewIdNumber(), name: overrides.name ?? "张三" },
    categories: ["02001"],
    issuingDivision: province,
    exam: { categoryCode: "02001", passedOn: "2026-11-02", score: 92, passMark: 80, chainHash: "a".repeat(64) },
  };
}

/** A certificate record as a province publishes it. */
export function aCertificateRecord(
  overrides: { province?: string; idNumber: string; version?: number; status?: "valid" | "revoked"; name?: string },
): QualificationRecord {
  const province = overrides.province ?? "320000";
  const status = overrides.status ?? "valid";
  return {
    recordId: `cert:${overrides.idNumber}`,
    recordType: "certificate",
    sourceProvince: province,
    operation: overrides.version && overrides.version > 1 ? "update" : "add",
    state: status === "valid" ? "valid" : "invalid",
    updateTime: BEIJING_NOW(),
    version: overrides.version ?? 1,
    practitioner: { idNumber: overrides.idNumber, name: overrides.name ?? "张三" },
    categories: ["02001"],
    issuingDivision: province,
    certificate: {
      certificateNumber: overrides.idNumber,
      status,
      issuingAuthority: "江苏省交通运输厅",
      firstIssueDate: "2026-11-10",
      issueDate: "2026-11-10",
      validFrom: "2026-11-10",
      validTo: "2032-11-09",
    },
  };
}

/**
 * A certificate record as a province publishes it once the certificate is cancelled (注销): what a
 * home holding only this is contested with by another province's valid certificate.
 */
export function aCancelledCertificateRecord(
  overrides: Omit<Parameters<typeof aCertificateRecord>[0], "status">,
): QualificationRecord {
  const r = aCertificateRecord(overrides);
  return { ...r, state: "invalid", certificate: { ...r.certificate!, status: "cancelled" } };
}

/** A certificate record of `province` for `idNumber` carrying `certificateNumber`, issued by that province. */
export function aCertificate(
  province: string,
  idNumber: string,
  certificateNumber: string,
  version = 1,
  status: "valid" | "revoked" = "valid",
): QualificationRecord {
  const r = aCertificateRecord({ province, idNumber, version, status });
  return { ...r, issuingDivision: province, certificate: { ...r.certificate!, certificateNumber } };
}

/**
 * A province node of the demo network in-process: its own database and key directories, the hub
 * pinned (HUB_URL, HUB_PUBLIC_KEY), its node key registered at the hub as the operator would.
 */
export async function aProvinceOfHub(hub: TestHub, provinceCode: string, env: Record<string, string> = {}) {
  const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
  const nodeKeyDir = temp("roadcert-nodekey-");
  const node = await startTestNode({
    provinceCode,
    env: {
      HUB_URL: hub.node.url,
      HUB_PUBLIC_KEY: hub.identity.publicKey,
      NODE_KEY_DIR: nodeKeyDir,
      CERT_KEYS_DIR: temp("roadcert-certkeys-"),
      ...env,
    },
  });
  const identity = (await (await fetch(`${node.url}/api/sharing/identity`)).json()) as { publicKey: string };
  const certificateKeys = RegisterNodeBody.shape.certificateKeys.parse(await certificateKeysOf(node.url));
  await hub.registry.register({ provinceCode, name: provinceCode, nodeKey: identity.publicKey, certificateKeys });
  // The first push of the status list ran before the registration; the node repeats it 2 s later,
  // as a real province does. Waited for: a transfer out of the province reads it at the hub.
  for (let i = 0; i < 200 && !(await hub.node.ctx.conn.collection("hub_status_lists").findOne({ provinceCode })); i++)
    await new Promise((r) => setTimeout(r, 100));
  // The node issues only once the hub lists its certificate key, which it learns from the receipt
  // of that push: waited for, so a test may issue at once.
  await hubListsKeysOf(node);
  return Object.assign(node, { nodeKeyDir });
}

/**
 * Waits until the hub's answer to `node`'s key announcement is kept on each of its certificate
 * keys: a node with a hub issues only with a key the hub lists (signing_key_not_at_hub before;
 * hub-keys.ts, its first key too), and its push after the hub registered it may come up to its
 * retry backoff (30 s) later. aProvinceOfHub waits with it; a node registered otherwise may too.
 */
export async function hubListsKeysOf(node: { readonly ctx: { readonly conn: Connection } }): Promise<void> {
  const keys = node.ctx.conn.collection<{ purpose: string; hub?: unknown }>("certificate_keys");
  await eventually(
    async () =>
      (await keys.countDocuments({ purpose: "certificate" })) > 0 &&
      (await keys.countDocuments({ purpose: "certificate", hub: null })) === 0,
    { what: "the hub lists the node's certificate keys", tries: 600 },
  );
}

/** A province node registered with a test hub (see aProvinceOfHub). */
export type ProvinceOfHub = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * Writes a domain event to a province's outbox as the feature that causes it would (its own
 * transaction); `now` is the writing instance's clock.
 */
export async function anOutboxEvent<K extends keyof DomainEvents>(
  conn: Connection, name: K, payload: DomainEvents[K], key: string, now?: () => Date,
): Promise<void> {
  await conn.transaction((session) => enqueueEvent(conn, session, name, payload, key, { now }));
}

/** The `exam.passed` payload of a pass in `province` (default 江苏). */
export function anExamPassed(overrides: { idNumber: string; province?: string; attemptId?: string }): DomainEvents["exam.passed"] {
  const province = overrides.province ?? "320000";
  return {
    attemptId: overrides.attemptId ?? `att-${Math.random().toString(36).slice(2, 12)}`,
    candidateId: "c-1", idNumber: overrides.idNumber, name: "张三", categoryCode: "02001", sessionId: "s-1",
    score: 92, passMark: 80, submittedAt: new Date(Date.now() - 60_000).toISOString(), chainHash: "a".repeat(64), provinceCode: province,
  };
}

/** A `certificate.issued` (or, with a status other than valid, `certificate.status_changed`) payload. */
export function aCertificateEvent(overrides: { idNumber: string; version?: number; status?: "valid" | "revoked" }): DomainEvents["certificate.issued"] {
  const version = overrides.version ?? 1;
  const at = new Date(Date.now() - 60_000).toISOString();
  return {
    kind: version === 1 ? "first_issue" : "category_added",
    flag: version === 1 && (overrides.status ?? "valid") === "valid" ? 1 : 2,
    signature: { suite: "ed25519", kid: "test", value: "sig", qr: "RC1:TEST" },
    record: {
      provinceCode: "320000", certificateNo: overrides.idNumber, version, serial: `${overrides.idNumber}-0${version}`,
      holder: { name: "张三", sex: "male", birthDate: "1985-03-15", idNumber: overrides.idNumber, nationality: "中国",
        addressDivisionCode: "320102", licenceClass: "A2", licenceFirstIssuedOn: "2010-01-01" },
      categories: [{ code: "02001", name: "经营性道路货物运输驾驶员", firstIssuedOn: "2026-11-10", attemptId: "att", chainHash: "a".repeat(64) }],
      issuingAuthority: { divisionCode: "320100", name: "南京市道路运输管理机构" },
      firstIssuedOn: "2026-11-10", issuedAt: at, validFrom: "2026-11-10", validTo: "2032-11-09",
      status: overrides.status ?? "valid", statusReason: null, statusChangedAt: at, statusIndex: 17, updatedAt: at,
    },
  };
}

/** A `certificate.status_changed` payload: the certificate left "valid". */
export function aStatusChange(overrides: { idNumber: string; version?: number; status: "revoked" }): DomainEvents["certificate.status_changed"] {
  const { record, signature } = aCertificateEvent(overrides);
  return { record, signature, flag: 2, change: { from: "valid", to: overrides.status, reason: "测试", at: record.statusChangedAt, by: "测试经办" } };
}

/**
 * The hub's national trust list as an offline verifier loads it: fetched, checked with the pinned
 * hub key (the verdict, for a test of a refusal; see nationalTrustList for the list itself).
 */
export async function loadNationalTrustList(hub: TestHub): Promise<ReturnType<typeof loadTrustList>> {
  const doc = (await (await fetch(`${hub.node.url}/api/hub/v1/trust-list`)).json()) as { signer: { kid: string } };
  return loadTrustList(doc, [
    { name: "全国中心", kid: doc.signer.kid, suite: "ed25519", publicKey: hub.identity.publicKey, provinces: "*" },
  ]);
}

/** The hub's national trust list as an offline verifier holds it; a refusal throws. */
export async function nationalTrustList(hub: TestHub) {
  const loaded = await loadNationalTrustList(hub);
  if (!loaded.ok) throw new Error(`hub trust list refused: ${loaded.reason}`);
  return loaded.list;
}
