import type { CertificateDto, IssuanceDto } from "../contracts/certificates.js";
import type { IssuanceDoc } from "./certificate.model.js";
import type { CertificateLean } from "./lifecycle.service.js";
import { toRecord } from "./record.js";

/** What an officer sees of a pending issuance. */
export function toIssuanceDto(i: IssuanceDoc & { _id: unknown }): IssuanceDto {
  return {
    id: String(i._id),
    attemptId: i.attemptId,
    candidateId: i.candidateId,
    idNumber: i.idNumber,
    name: i.name,
    categoryCode: i.categoryCode,
    sessionId: i.sessionId,
    score: i.score,
    passedAt: i.passedAt.toISOString(),
    divisionCode: i.divisionCode,
    status: i.status,
    decidedBy: i.decidedBy ?? null,
    decidedAt: i.decidedAt ? i.decidedAt.toISOString() : null,
    reason: i.reason ?? null,
  };
}

/**
 * The certificate view: the signed record, its QR text, every version and every status entry, and
 * whether it may be renewed today (the lifecycle service's `renewalOf`). `suite` and `kid` name the
 * key that sealed the QR, as the current version's entry stored it when the QR was sealed
 * (versionEntryFor): never the record signature's, which a status change renews with the key
 * current then, so after a rotation and a revocation the view named a key the QR was never signed
 * with. Read from the stored entries, not decoded from each QR (a list shows 200 certificates).
 */
export function toCertificateDto(doc: CertificateLean, renewal: CertificateDto["renewal"]): CertificateDto {
  const current = doc.versions.find((v) => v.version === doc.version);
  const sealedBy = { suite: current?.suite ?? "", kid: current?.kid ?? "" };
  return {
    renewal,
    record: toRecord(doc),
    qr: doc.signature?.qr ?? "",
    suite: sealedBy.suite,
    kid: sealedBy.kid,
    photoId: doc.photoId ?? null,
    versions: doc.versions.map((v) => ({
      version: v.version ?? 0,
      kind: v.kind ?? "",
      at: v.at ? v.at.toISOString() : "",
      by: v.by ?? "",
      categories: v.categories,
      validFrom: v.validFrom ?? "",
      validTo: v.validTo ?? "",
      kid: v.kid ?? "",
    })),
    statusHistory: doc.statusHistory.map((s) => ({
      from: s.from ?? "",
      to: s.to ?? "",
      reason: s.reason ?? "",
      at: s.at ? s.at.toISOString() : "",
      by: s.byName ?? s.by ?? "",
    })),
  };
}
