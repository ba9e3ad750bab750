import type { ClientSession, Connection } from "mongoose";
import type { AuditRecordInput } from "../audit/index.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { enqueueEvent } from "../lib/outbox.js";
import { LEGACY_RECORD_PREFIX } from "../contracts/hub.js";
import { toUpdateTime } from "./record-mapper.js";

/** The receiving province issued on a transfer this province agreed to (its issuance notice). */
export interface TransferIssuedNotice {
  caseId: string;
  idNumber: string;
  /** The receiving province (GB/T 2260) and its name, for the reason. */
  toProvince: string;
  toProvinceName: string;
  /** The receiving province's new certificate serial. */
  serial: string;
  /**
   * The hub's record of this province's certificate that went with the agreement, when the node
   * held no signed certificate (a legacy register entry); null otherwise.
   */
  sourceRecord: QualificationRecord | null;
}

/**
 * The next version of a legacy register entry, cancelled (注销) by a transfer: same record id and
 * facts, MOT flag 2 update, State 1 invalid. The hub keeps the higher version, so a register
 * published again later (version 1) is answered `stale` and never revives the entry.
 */
export function cancelledEntry(entry: QualificationRecord, at: Date): QualificationRecord {
  if (!entry.certificate) throw new Error("a register entry carries its certificate");
  return {
    ...entry,
    operation: "update",
    state: "invalid",
    updateTime: toUpdateTime(at),
    version: entry.version + 1,
    certificate: { ...entry.certificate, status: "cancelled" },
  };
}

/**
 * The former home's side of a transfer for a holder it knows only from its old register: the
 * node has no certificate to supersede, so the register entry it published to the hub is what it
 * cancels (DOMAIN.md: the original issuer cancels and archives once notified), as a new version of
 * that entry through the collection interface. Runs inside the transaction that records the
 * issuance notice as received (exchange transport), so the outbox entry and its audit entry are
 * written exactly once with it; the publisher then delivers it like any record.
 */
export function createLegacyTransferOut(deps: {
  conn: Connection;
  provinceCode: string;
  audit: { append(session: ClientSession, input: AuditRecordInput): Promise<unknown> };
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Cancels the register entry the notice names, when it is this province's own valid entry of
     * the case's practitioner; resolves false (nothing written) otherwise.
     */
    async cancel(session: ClientSession, notice: TransferIssuedNotice): Promise<boolean> {
      const entry = notice.sourceRecord;
      if (
        !entry?.certificate ||
        entry.recordType !== "certificate" ||
        !entry.recordId.startsWith(LEGACY_RECORD_PREFIX) ||
        entry.sourceProvince !== deps.provinceCode ||
        entry.practitioner.idNumber !== notice.idNumber ||
        entry.state !== "valid"
      )
        return false;
      const record = cancelledEntry(entry, now());
      await enqueueEvent(
        deps.conn,
        session,
        "register.entry_cancelled",
        { record, caseId: notice.caseId },
        `register.entry_cancelled:${record.sourceProvince}:${record.recordId}:${record.version}`,
      );
      await deps.audit.append(session, {
        action: "hub.legacy_register_entry_cancelled",
        actor: { id: "exchange", kind: "system", name: "跨省交换（转籍）" },
        divisionCode: entry.issuingDivision,
        target: { type: "register_entry", id: record.recordId },
        details: {
          caseId: notice.caseId,
          toProvince: notice.toProvince,
          serial: notice.serial,
          version: record.version,
          reason: `转籍：已由${notice.toProvinceName}换发新证 ${notice.serial}`,
        },
      });
      return true;
    },
  };
}
export type LegacyTransferOut = ReturnType<typeof createLegacyTransferOut>;
