import type { Connection } from "mongoose";
import { createAuditService } from "../../../server/audit/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import type { CollectionReceipt, LookupAnswer, LookupReason } from "../../../server/contracts/hub.js";
import type { PenaltyDocument } from "../../../server/contracts/exchange-documents.js";
import { createExchangeTransport, createProvinceExchangeService } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createLookupService, createMessageLog, createNodeClient, type NodeClient } from "../../../server/sharing/index.js";
import { createLookupLimiter } from "../../../server/sharing/lookup-limits.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, aRegisteredProvince, startTestHub, type TestHub } from "../hub/support.js";

const silent = createLogger({ level: "silent", name: "test" });

/** An officer of a province node at a division (province, city or county). */
export function anOfficer(divisionCode: string, name = `业务员${divisionCode}`): AuthUser {
  return { id: `officer-${divisionCode}-${Math.random().toString(36).slice(2, 8)}`, kind: "staff", roles: ["officer"], displayName: name, divisionCode, provinceCode: `${divisionCode.slice(0, 2)}0000` };
}

/**
 * One province of the test network: its own database, its node key registered at the hub, and
 * its exchange service and transport over a client whose network can be cut (`link.down`).
 */
export async function aProvince(
  hub: TestHub,
  provinceCode: string,
  conn: Connection,
  ports: Pick<Parameters<typeof createProvinceExchangeService>[1], "sourceCertificate"> = {},
) {
  const { key, client: plain } = await aRegisteredProvince(hub, provinceCode, conn);
  const link = { down: false };
  const fetchImpl: typeof fetch = async (input, init) => {
    if (link.down) throw new TypeError("fetch failed: connect ECONNREFUSED");
    return fetch(input, init);
  };
  const client: NodeClient = createNodeClient({ key, peer: hub.peer, log: createMessageLog(conn), fetchImpl });
  // One audit log for the officers' changes and the sender's, as the node has (exchange.feature.ts).
  const audit = createAuditService(conn);
  const transport = createExchangeTransport({ conn, logger: silent, client: () => client, backoffMs: () => 0, audit });
  // Which account made a cited lookup, from the node's audit log, as exchange.feature.ts wires it.
  const lookupMaker = (lookupId: string) => audit.actorOfLookup(lookupId);
  const exchange = createProvinceExchangeService(conn, { provinceCode, audit, transport, lookupMaker, ...ports });
  const lookups = createLookupService({ client: () => client, audit, logger: silent, limiter: createLookupLimiter(conn, { perMinute: 10_000, perDay: 100_000 }) });
  /** A lookup as the node makes it for its officer: audited (hub.lookup_answered names the account), then asked. */
  const lookupThroughNode = (officer: AuthUser, idNumber: string, reason: LookupReason = "filing") =>
    lookups.lookup(officer, { query: { by: "id_number", idNumber }, reason, caseReference: "测试-2" });
  /**
   * A catalog lookup as the province's officer makes it through sharing: the hub logs it, and the
   * node records its answer for the officer's account (hub.lookup_answered), as lookup.service.ts
   * does before showing it; a case citing a lookup the node has no record of is refused lookup_unknown.
   */
  async function lookup(officer: AuthUser, idNumber: string, reason: LookupReason = "filing"): Promise<LookupAnswer> {
    const caseReference = "测试-1";
    const answer = await client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", { query: { by: "id_number", idNumber }, officerId: officer.id, reason, caseReference });
    if (answer.status !== 200) throw new Error(`lookup failed: ${answer.rawBody}`);
    await audit.record({ action: "hub.lookup_answered", actor: officer, divisionCode: officer.divisionCode, target: { type: "practitioner", id: idNumber }, details: { by: "id_number", reason, caseReference, lookupId: answer.body.lookupId, matches: answer.body.matches.length } });
    return answer.body;
  }
  return { provinceCode, conn, key, plain, client, link, transport, exchange, lookup, lookupThroughNode, pull: () => transport.pullOnce(provinceCode), send: () => transport.sendOnce() };
}
export type TestProvince = Awaited<ReturnType<typeof aProvince>>;

/** The test network of the exchange stories: a hub and 江苏 and 北京, each province on its own database. */
export interface ExchangeNetwork {
  readonly hub: TestHub;
  readonly jiangsu: TestProvince;
  readonly beijing: TestProvince;
}

/**
 * Starts the exchange network for the calling describe block and stops it after the block (the
 * provinces' databases are dropped by `useTestDatabase`). `jiangsu` takes 江苏's optional ports,
 * `hub` the hub's start options (e.g. `monitorCommands` for counting its round trips).
 */
export function useExchangeNetwork(
  options: { jiangsu?: Parameters<typeof aProvince>[3]; hub?: Parameters<typeof startTestHub>[1] } = {},
): ExchangeNetwork {
  const jsDb = useTestDatabase("prov_js");
  const bjDb = useTestDatabase("prov_bj");
  const state: { hub?: TestHub; jiangsu?: TestProvince; beijing?: TestProvince } = {};
  before(async () => {
    state.hub = await startTestHub({}, options.hub);
    state.jiangsu = await aProvince(state.hub, "320000", jsDb.conn, options.jiangsu);
    state.beijing = await aProvince(state.hub, "110000", bjDb.conn);
  });
  after(async () => {
    await state.hub?.node.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (!value) throw new Error("useExchangeNetwork: the network is only available inside tests");
    return value;
  };
  return {
    get hub() {
      return started(state.hub);
    },
    get jiangsu() {
      return started(state.jiangsu);
    },
    get beijing() {
      return started(state.beijing);
    },
  };
}

/** Publishes a certificate of a new practitioner of `home`, issued by `issuingDivision`, to the hub. */
export async function aCertifiedPractitioner(
  home: TestProvince,
  options: { issuingDivision?: string; status?: "valid" | "revoked"; name?: string } = {},
): Promise<{ idNumber: string; name: string }> {
  const idNumber = aNewIdNumber(home.provinceCode === "320000" ? "320102" : "110101");
  const name = options.name ?? "王备案";
  const record = { ...aCertificateRecord({ province: home.provinceCode, idNumber, name, status: options.status }), issuingDivision: options.issuingDivision ?? home.provinceCode };
  const answer = await home.plain.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", { batchId: `b-${idNumber}`, records: [record] });
  if (answer.body.results[0]?.outcome !== "accepted") throw new Error(`certificate not accepted: ${JSON.stringify(answer.body)}`);
  return { idNumber, name };
}

export const aFiling = (overrides: Record<string, unknown> = {}) => ({
  employer: { name: "北京顺达货运有限公司", creditCode: "91110105MA01ABCD1X" },
  startDate: "2026-12-01",
  categoryCode: "02001" as const,
  licence: { number: "110105199001011234", class: "A2" },
  contact: { phone: "010-88886666" },
  ...overrides,
});

let noticeNumber = 117;
/**
 * A notice's details, each with a decision number of its own: one decision is reported once per
 * person (notice_duplicate), so a test sending two notices of one person sends two decisions.
 */
export const aNotice = () => ({
  caseNumber: `京交执罚〔2026〕${++noticeNumber}号`,
  decidedOn: "2026-11-20",
  legalBasis: "《道路运输从业人员管理规定》第四十六条",
  facts: "驾驶营运车辆超时驾驶，连续驾驶超过4小时未休息",
  points: 3,
  fineYuan: 200,
  documents: [] as PenaltyDocument[],
});

/**
 * 江苏 agrees to 北京's transfer `caseId` and 北京 issues its certificate on it (its issuance
 * notice then waits in 北京's outbox): the transfer's last step at 北京.
 */
export async function agreeAndIssue(
  net: ExchangeNetwork,
  officers: { jiangsu: AuthUser; beijing: AuthUser },
  caseId: string,
  certificate: { idNumber: string; serial: string },
): Promise<void> {
  await net.jiangsu.pull();
  await net.jiangsu.exchange.answer(officers.jiangsu, caseId, { outcome: "acknowledged" });
  await net.jiangsu.send();
  await net.beijing.pull();
  await createAuditService(net.beijing.conn).transaction((session) =>
    net.beijing.exchange.recordIssued(session, officers.beijing, caseId, {
      certificateNo: certificate.idNumber,
      version: 1,
      serial: certificate.serial,
      issuedAt: new Date().toISOString(),
      issuingAuthority: { divisionCode: "110000", name: "北京市交通委员会" },
    }),
  );
}
