import type { QualificationRecord } from "../contracts/hub.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { CertificateRecord } from "../contracts/certificates.js";
import type { DomainEvents } from "../contracts/domain-events.js";
import { CHINA_TIME_ZONE, chinaDate, localTimestamp } from "../lib/local-time.js";

/**
 * `YYYYMMDDhhmmss` in Beijing time, as MOT's interface specs write UpdateTime. The interface's dates
 * and times are Beijing's whatever zone the node displays in (TIME_ZONE).
 */
export function toUpdateTime(at: Date): string {
  return localTimestamp(at, CHINA_TIME_ZONE);
}

/** The collection-interface record of an exam pass (`exam.passed`, written by grading). */
export function passRecord(e: DomainEvents["exam.passed"]): QualificationRecord {
  const at = new Date(e.submittedAt);
  return {
    recordId: `pass:${e.attemptId}`,
    recordType: "exam_pass",
    sourceProvince: e.provinceCode,
    operation: "add",
    state: "valid",
    updateTime: toUpdateTime(at),
    version: 1,
    practitioner: { idNumber: e.idNumber.toUpperCase(), name: e.name },
    categories: [e.categoryCode as CategoryCode],
    // The event names the province, not the city that examined: the province is a valid GB/T 2260 division.
    issuingDivision: e.provinceCode,
    exam: {
      categoryCode: e.categoryCode as CategoryCode,
      passedOn: chinaDate(at),
      score: e.score,
      passMark: e.passMark,
      chainHash: e.chainHash,
    },
  };
}

/**
 * A pass voided before publication (`exam.voided`): the pass's record deleted at the hub (its next
 * version, 无效), so the practitioner no longer shows the category nationally.
 */
export function voidedPassRecord(e: DomainEvents["exam.voided"]): QualificationRecord {
  return {
    ...passRecord(e.pass),
    operation: "delete",
    state: "invalid",
    updateTime: toUpdateTime(new Date(e.voidedAt)),
    version: 2,
  };
}

/**
 * The hub's record version of a certificate: it must grow with every change the hub is told of.
 * Within one issuance version the status changes at most once (valid → cancelled, revoked or
 * withdrawn are final, server/certificates/lifecycle.ts), and any new issuance raises the issuance
 * version; so 2v−1 for a valid version v and 2v once it left "valid" orders every change.
 */
export function certificateRecordVersion(record: Pick<CertificateRecord, "version" | "status">): number {
  return record.version * 2 - (record.status === "valid" ? 1 : 0);
}

/**
 * The collection-interface record of a certificate (`certificate.issued`, `certificate.status_changed`):
 * one record per certificate number, whose versions follow its issuances and status changes, so the
 * hub always holds the current status.
 */
export function certificateRecord(
  e: DomainEvents["certificate.issued"] | DomainEvents["certificate.status_changed"],
): QualificationRecord {
  const r = e.record;
  return {
    recordId: `cert:${r.certificateNo}`,
    recordType: "certificate",
    sourceProvince: r.provinceCode,
    // MOT flag: 1 add (first issue) / 2 update (added category, renewal, status change).
    operation: e.flag === 1 ? "add" : "update",
    state: r.status === "valid" ? "valid" : "invalid",
    updateTime: toUpdateTime(new Date(r.updatedAt)),
    version: certificateRecordVersion(r),
    practitioner: { idNumber: r.holder.idNumber, name: r.holder.name },
    categories: [...new Set(r.categories.map((c) => c.code as CategoryCode))],
    issuingDivision: r.issuingAuthority.divisionCode,
    certificate: {
      certificateNumber: r.certificateNo,
      status: r.status,
      issuingAuthority: r.issuingAuthority.name,
      firstIssueDate: r.firstIssuedOn,
      issueDate: chinaDate(r.issuedAt),
      validFrom: r.validFrom,
      validTo: r.validTo,
    },
    ...(r.transferredFrom
      ? { transferredFrom: { sourceProvince: r.transferredFrom.provinceCode, certificateNumber: r.transferredFrom.certificateNo, caseId: r.transferredFrom.caseId } }
      : {}),
  };
}
