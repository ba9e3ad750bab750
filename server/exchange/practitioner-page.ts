import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type { AuthUser } from "../contracts/auth.js";
import { CERTIFICATE_STATUS_LABELS, ISSUE_KIND_LABELS } from "../contracts/certificates.js";
import type { PractitionerPageDto } from "../contracts/exchange.js";
import { errors } from "../lib/errors.js";
import type { ProvinceExchangeService } from "./province-exchange.service.js";
import { ownEntry } from "../contracts/own-entry.js";

/** The fields of a stored certificate the page shows (the certificates feature's search result). */
export interface CertificateView {
  certificateNo: string;
  status: string;
  statusReason?: string | null;
  holder: Record<string, unknown>;
  categories: { code: string; name?: string }[];
  validFrom: string;
  validTo: string;
  issuingAuthority: { name: string };
  versions: { version: number; kind: string; at: Date; by: string }[];
  statusHistory: { from: string; to: string; reason: string; at: Date; byName: string }[];
}

/** A stored code by its name, or the code itself (a value written by a newer version). */
const named = (table: Readonly<Record<string, string>>, code: string) => ownEntry(table, code) ?? code;

const capped = (listed: number, total: number) => (listed < total ? { listed, total } : null);

/**
 * The home province's page of one practitioner: certificates with their history (read through the
 * certificates feature, scoped to the officer's division), filings elsewhere, enforcement notices,
 * transfers, and every hub lookup of the person (who, where, why, when).
 */
export function createPractitionerPages(deps: {
  exchange: ProvinceExchangeService;
  certificates: (actor: AuthUser, idNumber: string) => Promise<CertificateView[]>;
}) {
  return {
    async page(actor: AuthUser, idNumber: string): Promise<PractitionerPageDto> {
      const [certs, mine] = await Promise.all([deps.certificates(actor, idNumber), deps.exchange.ofPractitioner(actor, idNumber)]);
      if (certs.length === 0 && mine.cases.length === 0) throw errors.notFound("本辖区内该从业人员的记录", "practitioner_not_found");
      const holderName = certs[0]?.holder.name;
      return {
        idNumber,
        name: typeof holderName === "string" ? holderName : (mine.cases[0]?.practitioner.name ?? null),
        certificates: certs.map((c) => ({
          certificateNo: c.certificateNo,
          status: c.status,
          statusReason: c.statusReason ?? null,
          categories: c.categories.map((k) => ({ code: k.code, name: k.name ?? CATEGORIES[k.code as CategoryCode] ?? k.code })),
          validFrom: c.validFrom,
          validTo: c.validTo,
          issuingAuthority: c.issuingAuthority.name,
          history: [
            ...c.versions.map((v) => ({ at: v.at.toISOString(), what: `${named(ISSUE_KIND_LABELS, v.kind)}（第 ${v.version} 版）`, by: v.by })),
            ...c.statusHistory.map((s) => ({ at: s.at.toISOString(), what: `${named(CERTIFICATE_STATUS_LABELS, s.from)} → ${named(CERTIFICATE_STATUS_LABELS, s.to)}：${s.reason}`, by: s.byName })),
          ].sort((a, b) => a.at.localeCompare(b.at)),
        })),
        filingsElsewhere: mine.cases.filter((c) => c.kind === "filing" && c.box === "in"),
        notices: mine.cases.filter((c) => c.kind === "notice" && c.box === "in"),
        credit: mine.credit,
        transfers: mine.cases.filter((c) => c.kind === "transfer"),
        casesCapped: capped(mine.cases.length, mine.casesTotal),
        lookupsCapped: capped(mine.lookups.length, mine.lookupsTotal),
        lookups: mine.lookups,
      };
    },
  };
}
export type PractitionerPages = ReturnType<typeof createPractitionerPages>;
