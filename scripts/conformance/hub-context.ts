import { randomBytes, randomUUID } from "node:crypto";
import { CONFORMANCE_RECORD_PREFIX } from "../../server/contracts/hub.js";
import type { NodeKey } from "../../server/sharing/index.js";
import { createHubSession, type HubSession } from "./kit.js";
import { reservedIdNumber } from "./test-identities.js";

export interface HubCheckOptions {
  hubUrl: string;
  provinceCode: string;
  key: NodeKey;
}

/** One requirement: its id, what it requires, and the run that says why it holds (or throws CheckFailed). */
export type Check = [id: string, title: string, run: () => Promise<string>];

export const COLLECT = "/api/hub/v1/collection/records";
export const LOOKUP = "/api/hub/v1/catalog/lookups";
export const CHANGES = "/api/hub/v1/catalog/changes";
export const EXCHANGE = "/api/hub/v1/exchange";

/** The test practitioner's name: a masked answer must not carry it. */
export const NAME = "测试";

/** `YYYYMMDDhhmmss` in Beijing time, a minute ago (the hub refuses more than 5 minutes ahead). */
export function updateTimeNow(): string {
  return new Date(Date.now() + 8 * 3600_000 - 60_000).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * What the checks of one run share: the session with the hub, the test practitioner (an ID number
 * nobody holds, see test-identities.ts) and their records, all under the conformance record prefix
 * that the contract's isConformanceRecord and the kit's withdrawal know, and what earlier checks
 * learnt (the hub sequence number of C01's change).
 */
export function createHubContext(options: HubCheckOptions) {
  const session: HubSession = createHubSession(options, COLLECT);
  const idNumber = reservedIdNumber(options.provinceCode);
  const recordId = `${CONFORMANCE_RECORD_PREFIX}${randomBytes(6).toString("hex")}`;
  const now = new Date(Date.now() + 8 * 3600_000 - 60_000);
  const updateTime = updateTimeNow();
  const today = now.toISOString().slice(0, 10);
  const record = (version: number, name = NAME) => ({
    recordId,
    recordType: "exam_pass",
    sourceProvince: options.provinceCode,
    operation: version === 1 ? "add" : "update",
    state: "valid",
    updateTime,
    version,
    practitioner: { idNumber, name },
    categories: ["02001"],
    issuingDivision: options.provinceCode,
    exam: {
      categoryCode: "02001",
      passedOn: today,
      score: 90 + version,
      passMark: 80,
      chainHash: "c".repeat(64),
    },
  });
  const batch = (records: unknown[]) =>
    JSON.stringify({ batchId: `conf-${randomBytes(4).toString("hex")}`, records });
  const aCase = (practitioner: { idNumber: string; name: string }) =>
    JSON.stringify({
      caseId: `conformance-${randomBytes(8).toString("hex")}`,
      kind: "filing",
      lookupId: randomUUID(),
      practitioner,
      officer: { id: "conformance", name: "测试", divisionCode: options.provinceCode },
      details: {
        employer: { name: "测试运输公司" },
        startDate: today,
        categoryCode: "02001",
        licence: { number: "TEST-0001", class: "A2" },
        contact: { phone: "010-0000000" },
      },
    });
  const lookup = (reason: string, caseReference: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      query: { by: "id_number", idNumber },
      officerId: "conformance",
      reason,
      caseReference,
      ...extra,
    });
  return {
    options,
    session,
    send: session.send,
    verifySigned: session.verifySigned,
    idNumber,
    recordId,
    record,
    batch,
    aCase,
    lookup,
    /** The hub sequence number of C01's change, which L04 reads the feed from. */
    state: { hubSeq: null as number | null },
  };
}
export type HubContext = ReturnType<typeof createHubContext>;
