import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Connection } from "mongoose";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { RegisterNodeBody, type HubIdentityDto, type QualificationRecord } from "../../../server/contracts/hub.js";
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
import { certificateKeysOf } from "../../../scripts/demo-hub-registration.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
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
  return Object.assign(node, { nodeKeyDir });
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
