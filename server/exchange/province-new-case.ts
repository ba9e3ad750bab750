import type { AuthUser } from "../contracts/auth.js";
import type { CaseBody, ExchangeKind } from "../contracts/exchange.js";
import type { NoticeDetails } from "../contracts/exchange.js";
import { filingOpenKey, noticeOpenKey, transferOpenKey } from "./province-exchange.models.js";

/** The officer as a message to the hub names them. */
export const officerOf = (a: AuthUser) => ({ id: a.id, name: a.displayName, divisionCode: a.divisionCode });

/** What `send` knows of a new outgoing case once it is checked and numbered. */
export interface NewOutgoingCase {
  provinceCode: string;
  body: CaseBody;
  at: Date;
  /** The outbox number of the case itself, then one per named document (sent after it). */
  seq: number;
  documents: { sha256: string; seq: number }[];
}

/**
 * The documents a new outgoing case writes in one transaction: this province's copy of the case
 * (queued; each kind holds its open key) and its outbox entries, the case first and then each
 * document by its digest, in order per case.
 */
export function newOutgoingCaseDocs(c: NewOutgoingCase) {
  const { body, at } = c;
  const kind: ExchangeKind = body.kind;
  const { officer, practitioner } = body;
  const caseDoc = {
    caseId: body.caseId,
    kind,
    box: "out" as const,
    state: "queued" as const,
    fromProvince: c.provinceCode,
    toProvince: null,
    division: officer.divisionCode,
    idNumber: practitioner.idNumber,
    name: practitioner.name,
    officer,
    lookupId: body.lookupId ?? null,
    details: body.details,
    history: [{ at, state: "queued", by: officer.name, note: null }],
    ...(kind === "filing" ? { openKey: filingOpenKey(practitioner.idNumber, officer.divisionCode) } : {}),
    ...(kind === "transfer" ? { openKey: transferOpenKey(practitioner.idNumber) } : {}),
    ...(kind === "notice"
      ? { openKey: noticeOpenKey(practitioner.idNumber, (body.details as NoticeDetails).caseNumber) }
      : {}),
  };
  const entries = [
    {
      key: `submit:${body.caseId}`,
      seq: c.seq,
      caseId: body.caseId,
      purpose: "submit" as const,
      path: "/cases",
      body,
      availableAt: at,
    },
    ...c.documents.map((d) => ({
      key: `document:${body.caseId}:${d.sha256}`,
      seq: d.seq,
      caseId: body.caseId,
      purpose: "document" as const,
      path: `/cases/${body.caseId}/documents`,
      body: { sha256: d.sha256 },
      availableAt: at,
    })),
  ];
  return { caseDoc, entries };
}
