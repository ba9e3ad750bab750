import type { CaseDto, CaseState, IssuedBody, SourceEndedBody } from "../contracts/exchange.js";
import type { SignedCertificateRecord } from "../contracts/certificates.js";
import type { QualificationRecord } from "../contracts/hub.js";
import type { CategoryCode } from "../contracts/categories.js";
import { divisionName } from "../organisation/index.js";
import type { LocalCaseDoc } from "./province-exchange.models.js";

/**
 * What leaves the server of a case: everything the officers of either side work with. `now` is the
 * database's clock (databaseTime), the one the reads filter overdue cases by, so a listed case and
 * its flag agree and every instance of the node says the same.
 */
export function toCaseDto(c: LocalCaseDoc, now: Date): CaseDto {
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  const ack = c.ack as {
    outcome: "acknowledged" | "problem";
    problem: { code: string; note: string } | null;
    officer: { name: string };
    at: string;
  } | null;
  return {
    caseId: c.caseId,
    kind: c.kind,
    box: c.box,
    state: c.state,
    fromProvince: c.fromProvince,
    toProvince: c.toProvince ?? "",
    division: c.division,
    divisionName: divisionName(c.division) ?? c.division,
    practitioner: { idNumber: c.idNumber, name: c.name },
    officer: {
      id: c.officer?.id ?? "",
      name: c.officer?.name ?? "",
      divisionCode: c.officer?.divisionCode ?? "",
      divisionName: divisionName(c.officer?.divisionCode ?? "") ?? c.officer?.divisionCode ?? "",
    },
    lookupId: c.lookupId ?? null,
    details: c.details as CaseDto["details"],
    sentAt: iso(c.sentAt),
    deadlineAt: iso(c.deadlineAt),
    overdue:
      c.overdue ||
      (!!c.deadlineAt &&
        (c.state === "sent" ||
          c.state === "delivered" ||
          // An agreed transfer not issued on: by its issuance deadline (hub-case-upkeep.ts sweepOverdue).
          (c.kind === "transfer" && c.state === "acknowledged" && !c.issued)) &&
        c.deadlineAt.getTime() < now.getTime()),
    escalatedAt: iso(c.escalatedAt),
    refusal: c.refusal ? { code: c.refusal.code ?? "", message: c.refusal.message ?? "" } : null,
    history: c.history.map((h) => ({
      at: h.at.toISOString(),
      state: h.state as CaseState,
      by: h.by,
      note: h.note ?? null,
    })),
    ack: ack ? { outcome: ack.outcome, problem: ack.problem, officer: ack.officer.name, at: ack.at } : null,
    end: c.end
      ? { endDate: (c.end as { endDate: string }).endDate, reason: (c.end as { reason: string }).reason }
      : null,
    sourceCertificate: sourceOf(c),
    issued: c.issued
      ? (({ certificateNo, serial, issuedAt, issuingAuthority }: IssuedBody) => ({
          certificateNo,
          serial,
          issuedAt,
          issuingAuthority: issuingAuthority.name,
        }))(c.issued as IssuedBody)
      : null,
    sourceEnded: c.sourceEnded
      ? (({ status, statusChangedAt, reason, at }: SourceEndedBody & { at: string }) => ({
          status,
          statusChangedAt,
          reason,
          at,
        }))(c.sourceEnded as SourceEndedBody & { at: string })
      : null,
  };
}

/**
 * The home province's certificate that came with its agreement to a transfer (sender's side):
 * signed by the home, or for a legacy holder the hub's record of it.
 */
function sourceOf(c: LocalCaseDoc): CaseDto["sourceCertificate"] {
  const record = (c.ack as { certificate?: SignedCertificateRecord | null } | null)?.certificate?.record;
  if (record)
    return {
      provinceCode: record.provinceCode,
      certificateNo: record.certificateNo,
      version: record.version,
      serial: record.serial,
      categories: record.categories.map((k) => k.code as CategoryCode),
      basis: "signed_certificate",
    };
  const hub = c.sourceRecord as QualificationRecord | null;
  if (!hub?.certificate) return null;
  return {
    provinceCode: hub.sourceProvince,
    certificateNo: hub.certificate.certificateNumber,
    version: hub.version,
    serial: hub.certificate.certificateNumber,
    categories: hub.categories,
    basis: "hub_record",
  };
}
