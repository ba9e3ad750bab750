import type { QualificationRecord } from "../contracts/hub-collection.js";

/**
 * The pointer's view of a practitioner (name, categories, current certificate) as the collection
 * interface recomputes it from every record the hub holds of the person, and the one ordering
 * rule of a transfer (转籍) that holds it back. Pure: the collection service reads and writes.
 */

type Certificate = NonNullable<QualificationRecord["certificate"]>;

/**
 * What the pointer is computed from, of each record held: every new record of a person re-reads
 * all the others inside the round's transaction, on the queue every province shares, so only these
 * fields are read (POINTER_FACTS_PROJECTION), never the exam or the certificate's other details.
 */
export type PointerFacts = Pick<
  QualificationRecord,
  | "sourceProvince"
  | "recordType"
  | "operation"
  | "state"
  | "updateTime"
  | "version"
  | "categories"
  | "issuingDivision"
> & {
  practitioner: Pick<QualificationRecord["practitioner"], "name">;
  certificate?: Pick<Certificate, "certificateNumber" | "status" | "validTo">;
};

/** The stored record's fields of PointerFacts (`record.<path>`), for the read that feeds pointerFrom. */
export const POINTER_FACTS_PROJECTION = Object.fromEntries(
  [
    "sourceProvince",
    "recordType",
    "operation",
    "state",
    "updateTime",
    "version",
    "categories",
    "issuingDivision",
    "practitioner.name",
    "certificate.certificateNumber",
    "certificate.status",
    "certificate.validTo",
  ].map((path) => [`record.${path}`, 1 as const]),
);

/**
 * What a collection round reads of each pointer: the home rules (home, filings, live), a contest
 * (version, name), the certificate number (one holder) and the deletion's grace (updatedAt).
 */
export const ROUND_POINTER_PROJECTION = {
  idNumber: 1,
  homeProvince: 1,
  filedWith: 1,
  live: 1,
  version: 1,
  name: 1,
  certificateNumber: 1,
  updatedAt: 1,
} as const;

/** Oldest first by (updateTime, version): UpdateTime says when the source changed it. */
const byUpdateTimeThenVersion = (a: PointerFacts, b: PointerFacts) =>
  a.updateTime === b.updateTime ? a.version - b.version : a.updateTime < b.updateTime ? -1 : 1;

/** What the pointer says after this change, recomputed from every record held for the person. */
export function pointerFrom(
  records: readonly { record: PointerFacts }[],
  latest: PointerFacts,
  home?: string,
) {
  const all = records.map((r) => r.record).filter((r) => r.operation !== "delete");
  // After a transfer (转籍) the new home province's records decide; the old home's cancelled
  // certificate stays on file but no longer speaks for the practitioner.
  const live =
    home && all.some((r) => r.sourceProvince === home) ? all.filter((r) => r.sourceProvince === home) : all;
  const certs = live
    .filter((r) => r.recordType === "certificate" && r.certificate)
    .sort(byUpdateTimeThenVersion);
  const latestCert = certs.at(-1);
  const cert = latestCert?.certificate ?? null;
  // What the person holds: the current certificate's categories while it is valid, and passes
  // newer than it (awaiting issuance) unless it was revoked or withdrawn. Every valid record's
  // categories counted the passes behind a revoked certificate as held.
  const barred = cert?.status === "revoked" || cert?.status === "withdrawn";
  const held = live.filter((r) =>
    r.state !== "valid"
      ? false
      : r.recordType === "certificate"
        ? r === latestCert
        : !latestCert || (!barred && r.updateTime > latestCert.updateTime),
  );
  const categories = [...new Set(held.flatMap((r) => r.categories))].sort();
  // Only the home's own certificates address its office (as HubExchangePort.issuingDivision reads them).
  const homeCerts = home
    ? all
        .filter((r) => r.sourceProvince === home && r.recordType === "certificate")
        .sort(byUpdateTimeThenVersion)
    : [];
  // The name lookups match (name + ID number) is the newest live record's: taken from the record
  // that arrived last, an older exam pass delivered late renamed the person to its older spelling
  // and a lookup by the current name missed.
  const newest = [...live].sort(byUpdateTimeThenVersion).at(-1) ?? latest;
  return {
    // No record left that is not deleted: nothing speaks for the person (see the pointer's `live`).
    live: all.length > 0,
    issuingDivision: homeCerts.at(-1)?.issuingDivision ?? home ?? latest.sourceProvince,
    name: newest.practitioner.name,
    categories,
    certificateNumber: cert?.certificateNumber ?? null,
    certificateStatus: cert?.status ?? null,
    validTo: cert?.validTo ?? null,
  };
}

/**
 * True for the former home's cancellation of its certificate after a transfer (转籍) moved the
 * pointer, while the new home's first record has not arrived: the former home cancels only once
 * the new home reported its own certificate issued, but the two records travel apart and either
 * may reach the hub first. Applied to the pointer, the cancellation would show the practitioner
 * as 注销 with no valid record in between; so the record is kept and fed like any other, and the
 * pointer keeps its view until the new home's record speaks (pointerFrom then reads only the new
 * home's records). A revocation or withdrawal by the former home is applied at once as before.
 */
export function transferCancellationAhead(
  record: PointerFacts,
  home: string,
  others: readonly { record: PointerFacts }[],
): boolean {
  return (
    record.sourceProvince !== home &&
    record.certificate?.status === "cancelled" &&
    // The new home's valid certificate, not any record of it: on a transfer back (A → B → A) the
    // new home still holds its own cancelled certificate from before.
    !others.some((r) => {
      const other = r.record;
      return other.sourceProvince === home && other.recordType === "certificate" && other.state === "valid";
    })
  );
}
