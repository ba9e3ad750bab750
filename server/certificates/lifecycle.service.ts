import type { ClientSession, Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import {
  CANCELLATION_REASON_LABELS,
  CERTIFICATE_STATUS_LABELS,
  type CancellationReason,
  type CertificateRecord,
  type CertificateStatus,
  type SignedCertificateRecord,
} from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";
import { newestPage } from "../lib/mongo.js";
import { canSeeDivision, divisionFilter } from "../access/index.js";
import { certificateModel, type CertificateDoc } from "./certificate.model.js";
import {
  TARGET_STATUS,
  type EndStatus,
  addDays,
  isLapsed,
  refuseStatusChange,
  CANCEL_AFTER_EXPIRY_DAYS,
  MAX_STATUS_REASON,
  type StatusAction,
} from "./lifecycle.js";
import {
  SYSTEM_ACTOR,
  actorName,
  statusEntry,
  enqueue,
  signatureFor,
  toRecord,
  type Actor,
  type CertificateAuditPort,
} from "./record.js";
import type { SigningService } from "./signing.service.js";
import { createRenewal } from "./renewal.service.js";
import type { Logger } from "../lib/logger.js";
import { chinaDate } from "../lib/local-time.js";

export interface LifecyclePorts {
  audit: CertificateAuditPort;
  signing: SigningService;
  renewalWindowDays: number;
  /** Where a transfer issued over a certificate revoked or withdrawn here is reported (besides the audit log). */
  logger?: Pick<Logger, "warn">;
  onOutbox?: () => void;
  clock?: () => Date;
}

export type CertificateLean = CertificateDoc & { _id: unknown; createdAt?: Date };

/** Certificates one list answer holds: the newest first; the officer searches by ID number for others. */
const SEARCH_PAGE = 200;

/**
 * A cancellation's stored reason: its ground's label, then the officer's words. Together they must
 * still fit the record (the words alone may be the record's whole length).
 */
function cancellationReason(ground: CancellationReason, words: string): string {
  const label = CANCELLATION_REASON_LABELS[ground];
  const reason = [label, words].filter(Boolean).join("：");
  if (reason.length > MAX_STATUS_REASON)
    throw errors.badRequest(
      "reason_too_long",
      `说明过长：连同注销原因“${label}”最多 ${MAX_STATUS_REASON} 字，请删减至 ${MAX_STATUS_REASON - label.length - 1} 字以内`,
    );
  return reason;
}

/**
 * Status changes, and renewal (renewal.service.ts). Each is one transaction that restates the version and status it
 * read (so concurrent changes cannot both apply), appends a status entry with who, when and why,
 * re-signs the record, writes the audit entry and the outbox entry for the hub.
 */
export function createLifecycleService(conn: Connection, ports: LifecyclePorts) {
  const Certificates = certificateModel(conn);
  const clock = ports.clock ?? (() => new Date());
  const renewal = createRenewal(conn, ports, { load, clock });

  async function load(actor: Actor, certificateNo: string): Promise<CertificateLean> {
    const doc = await Certificates.findOne({ certificateNo }).lean<CertificateLean>();
    if (!doc || ("divisionCode" in actor && !canSeeDivision(actor.divisionCode, doc.divisionCode))) {
      throw errors.notFound("证书");
    }
    return doc;
  }

  /**
   * Writes one status change inside the caller's transaction `session`: the conditional update
   * (restating the version and status read), the status entry, the audit entry and the hub's
   * outbox entry. Resolves null when another instance changed it first. The caller runs
   * `afterStatusCommit` once the transaction committed.
   */
  async function writeStatus(
    session: ClientSession,
    actor: Actor,
    doc: CertificateLean,
    to: EndStatus,
    reason: string,
    extra: Record<string, unknown> = {},
  ): Promise<CertificateRecord | null> {
    const now = clock();
    const record: CertificateRecord = {
      ...toRecord(doc),
      status: to,
      statusReason: reason,
      statusChangedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const signature = signatureFor(ports.signing, record, doc.signature?.qr ?? "");
    const entry = statusEntry(doc.status, to, reason, actor, now);
    const res = await Certificates.updateOne(
      { _id: doc._id, version: doc.version, status: doc.status },
      {
        $set: { status: to, statusReason: reason, statusChangedAt: now, signature, ...extra },
        $push: { statusHistory: entry },
      },
      { session },
    );
    if (res.matchedCount !== 1) return null;
    await ports.audit.append(session, {
      action: `certificate.${to}`,
      actor,
      divisionCode: doc.divisionCode,
      target: { type: "certificate", id: doc.certificateNo },
      details: { from: doc.status, to, reason, version: doc.version },
    });
    await enqueue(
      conn,
      session,
      "certificate.status_changed",
      {
        record,
        signature,
        flag: 2,
        change: { from: doc.status, to, reason, at: now.toISOString(), by: actorName(actor) },
      },
      `certificate.status_changed:${record.provinceCode}:${record.certificateNo}:${to}:${now.getTime()}`,
    );
    return record;
  }

  /** After a status change committed: the status list is rebuilt and the outbox worker woken. */
  function afterStatusCommit(): void {
    ports.signing.invalidateStatus();
    ports.onOutbox?.();
  }

  /** Applies one status change in its own transaction; resolves null when another instance changed it first (`quiet`). */
  async function applyStatus(
    actor: Actor,
    doc: CertificateLean,
    to: EndStatus,
    reason: string,
    quiet = false,
  ): Promise<CertificateRecord | null> {
    const record = await ports.audit.transaction(async (session) => {
      const written = await writeStatus(session, actor, doc, to, reason);
      if (!written && !quiet) throw errors.conflict("certificate_busy", "证书状态已被他人变更，请刷新后重试");
      return written;
    });
    if (record) afterStatusCommit();
    return record;
  }

  return {
    load,
    async get(actor: AuthUser, certificateNo: string): Promise<CertificateLean> {
      return load(actor, certificateNo);
    },
    /**
     * The newest 200 certificates of the actor's divisions under the filter, and how many there
     * are in all, so the page can say it shows only the newest.
     */
    async search(
      actor: AuthUser,
      q: { idNumber?: string; status?: CertificateStatus; before?: string },
    ): Promise<{ certificates: CertificateLean[]; total: number; next: string | null }> {
      const filter: Record<string, unknown> = { ...divisionFilter(actor.divisionCode) };
      if (q.idNumber) filter.certificateNo = q.idNumber;
      if (q.status) filter.status = q.status;
      // Newest first with the number as tie-break (a batch issues many at one instant).
      const { rows, total, next } = await newestPage(
        Certificates,
        filter,
        { time: "issuedAt", tie: "certificateNo" },
        q.before,
        SEARCH_PAGE,
      );
      return { certificates: rows as CertificateLean[], total, next };
    },

    async changeStatus(
      actor: AuthUser,
      certificateNo: string,
      action: StatusAction,
      input: { reason: string; cancellation?: CancellationReason },
    ): Promise<CertificateRecord> {
      const doc = await load(actor, certificateNo);
      const refusal = refuseStatusChange(doc.status, action, {
        reason: input.cancellation,
        validTo: doc.validTo,
        today: chinaDate(clock()),
      });
      if (refusal) throw errors.conflict(refusal.code, refusal.message);
      const reason = input.cancellation ? cancellationReason(input.cancellation, input.reason) : input.reason;
      const record = await applyStatus(actor, doc, TARGET_STATUS[action], reason);
      if (!record) throw errors.conflict("certificate_busy", "证书状态已被他人变更");
      return record;
    },

    /**
     * What this node holds of the person for a transfer the actor agrees to, read in one go across
     * the whole node: `signed`, the valid certificate as signed (the receiving province verifies it
     * and issues from it); `held`, one it cannot send (not valid, unsigned, or out of the actor's
     * divisions), with its status; `none`, no certificate at all (a holder of the old register).
     */
    async transferSource(
      actor: AuthUser,
      certificateNo: string,
    ): Promise<
      | { held: "signed"; certificate: SignedCertificateRecord }
      | { held: "held"; status: CertificateStatus }
      | { held: "none" }
    > {
      const doc = await Certificates.findOne({ certificateNo }).lean<CertificateLean>();
      if (!doc) return { held: "none" };
      if (doc.status === "valid" && doc.signature && canSeeDivision(actor.divisionCode, doc.divisionCode))
        return { held: "signed", certificate: { record: toRecord(doc), signature: doc.signature } };
      return { held: "held", status: doc.status };
    },

    /**
     * The receiving province issued its own certificate on an agreed transfer (转籍): this one is
     * superseded — cancelled, reason 转籍, naming the new certificate — inside the caller's
     * transaction `session` (the exchange's, which records the notice as received in the same
     * commit, so the change happens exactly once). Idempotent (a notice for a case already applied
     * finds it done). `superseded` is false when there is no valid certificate to supersede; the
     * caller runs `afterCommit` once its transaction committed.
     *
     * A certificate revoked or withdrawn here after the home agreed is not superseded (its status is
     * final), but it is not passed over in silence either: the receiving province issued on the
     * strength of a certificate that no longer stands, which its check of the hub's copy of this
     * province's status list missed. The notice writes an audit entry
     * (`certificate.transfer_issued_over_ended`) in the same transaction and a warning, and answers
     * `ended` (the status, the version, when and why it ended), so the caller can tell the
     * receiving province.
     */
    async supersede(
      session: ClientSession,
      by: {
        provinceCode: string;
        provinceName: string;
        certificateNo: string;
        serial: string;
        caseId: string;
      },
    ): Promise<{
      superseded: boolean;
      ended?: {
        status: Exclude<CertificateStatus, "valid" | "cancelled">;
        version: number;
        statusChangedAt: string;
        reason: string;
      };
      afterCommit: () => void;
    }> {
      const none = { superseded: false, afterCommit: () => undefined };
      const doc = await Certificates.findOne({ certificateNo: by.certificateNo })
        .session(session)
        .lean<CertificateLean>();
      if (!doc) return none;
      if (doc.supersededBy?.caseId === by.caseId) return { ...none, superseded: true };
      if (doc.status === "revoked" || doc.status === "withdrawn") {
        const ended = doc.status;
        const word = CERTIFICATE_STATUS_LABELS[ended];
        const details = {
          caseId: by.caseId,
          status: ended,
          statusChangedAt: doc.statusChangedAt.toISOString(),
          toProvince: by.provinceCode,
          serial: by.serial,
          version: doc.version,
        };
        await ports.audit.append(session, {
          action: "certificate.transfer_issued_over_ended",
          actor: { id: "exchange", kind: "system", name: "跨省交换（转籍）" },
          divisionCode: doc.divisionCode,
          target: { type: "certificate", id: doc.certificateNo },
          details: {
            ...details,
            reason: `${by.provinceName}已凭本省证书换发新证 ${by.serial}，但本省证书已于此前${word}，未予注销：转籍案件中告知${by.provinceName}核查其新证`,
          },
        });
        // Warned now, not after the commit: the composition root answers this notice with its
        // own message to the receiving province, whose `afterCommit` it returns.
        ports.logger?.warn(
          details,
          "a transfer was issued elsewhere on a certificate this province had revoked or withdrawn",
        );
        return {
          ...none,
          ended: {
            status: ended,
            version: doc.version,
            statusChangedAt: details.statusChangedAt,
            reason: doc.statusReason ?? word,
          },
        };
      }
      if (doc.status !== "valid") return none;
      const reason = `${CANCELLATION_REASON_LABELS.transferred}：已由${by.provinceName}换发新证 ${by.serial}`;
      const supersededBy = {
        provinceCode: by.provinceCode,
        certificateNo: by.certificateNo,
        serial: by.serial,
        caseId: by.caseId,
        at: clock(),
      };
      const actor = { id: "exchange", kind: "system" as const, name: "跨省交换（转籍）" };
      const record = await writeStatus(session, actor, doc, "cancelled", reason, { supersededBy });
      return record ? { superseded: true, afterCommit: afterStatusCommit } : none;
    },

    ...renewal,

    /**
     * Cancels every certificate whose last valid day is more than 180 days ago. Safe on several
     * instances at once: each change is conditional on the status and version it read, so a
     * certificate another instance already cancelled is skipped, never cancelled twice.
     */
    async cancelLapsed(): Promise<number> {
      const today = chinaDate(clock());
      const cutoff = addDays(today, -CANCEL_AFTER_EXPIRY_DAYS - 1);
      const lapsed = await Certificates.find({ status: "valid", validTo: { $lte: cutoff } })
        .limit(500)
        .lean<CertificateLean[]>();
      let cancelled = 0;
      for (const doc of lapsed) {
        if (!isLapsed(doc.validTo, today)) continue;
        const reason = CANCELLATION_REASON_LABELS.expired_180_days;
        if (await applyStatus(SYSTEM_ACTOR, doc, "cancelled", reason, true)) cancelled++;
      }
      return cancelled;
    },
  };
}
export type LifecycleService = ReturnType<typeof createLifecycleService>;
