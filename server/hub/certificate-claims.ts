import type { ClientSession } from "mongoose";
import type { QualificationRecord, RejectCode } from "../contracts/hub-collection.js";
import type { HubModels } from "./hub.models.js";
import { CERTIFICATE_NUMBER_IN_USE } from "./record-validation.js";

/*
 * One certificate number, one holder (CERTIFICATE_NUMBER_IN_USE): without it a province published
 * a certificate of X carrying Y's number as valid, and a lookup by certificate number answered two
 * people, one of them valid.
 */

/** The number a claim is held under: as lookups by certificate number compare it (catalog.service.ts). */
export const claimKey = (certificateNumber: string) => certificateNumber.trim().toUpperCase();

/** The number a record claims: a certificate record's own, unless it deletes the record. */
export function claimedNumber(record: QualificationRecord): string | null {
  if (record.recordType !== "certificate" || record.operation === "delete" || !record.certificate)
    return null;
  return claimKey(record.certificate.certificateNumber);
}

/**
 * True when `record`'s number is already its person's: the record it updates (of the same person,
 * not deleted) carries the same number, or the person's own live pointer shows it. Such a record
 * is not checked and writes no claim: before claims existed two people could be accepted with one
 * number, and the check then refused every update of both (a revocation too) for good, since
 * each found the other's pointer. A person's records only ever held their own number, so keeping
 * it takes nothing from anyone; and the common update of a certificate costs no claim read or write.
 */
export function holdsOwnNumber(
  record: QualificationRecord,
  existing:
    | { idNumber: string; record: { operation: string; certificate?: { certificateNumber: string } | null } }
    | undefined,
  pointer: { idNumber: string; live?: boolean | null; certificateNumber?: string | null } | undefined,
): boolean {
  const number = claimedNumber(record);
  if (number === null) return false;
  const idNumber = record.practitioner.idNumber;
  const kept =
    existing?.idNumber === idNumber && existing.record.operation !== "delete"
      ? existing.record.certificate?.certificateNumber
      : undefined;
  if (kept && claimKey(kept) === number) return true;
  const shown = pointer?.idNumber === idNumber && pointer.live !== false ? pointer.certificateNumber : null;
  return !!shown && claimKey(shown) === number;
}

/**
 * Who else holds each number a round's records claim, read inside the round's transaction: the
 * claims, and for certificates accepted before claims existed the pointers showing the number
 * (`pointers`: the round reads them with the practitioners' own, in one query).
 * A holder counts only while one of its records not deleted still carries the number (a
 * certificate published under a mistyped ID number, then deleted, frees its number).
 * `claimants` maps each number to the people of the round claiming it; the answer lists, for a
 * number, the idNumbers holding it.
 */
async function readCertificateHolders(
  m: Pick<HubModels, "CertificateClaims" | "Records">,
  claimants: ReadonlyMap<string, ReadonlySet<string>>,
  pointers: readonly { idNumber: string; certificateNumber?: string | null }[],
  session: ClientSession,
): Promise<(certificateNumber: string) => string[]> {
  const numbers = [...claimants.keys()];
  if (numbers.length === 0) return () => [];
  const claims = await m.CertificateClaims.find({ _id: { $in: numbers } })
    .session(session)
    .lean();
  // A number held by the one person who claims it in this round needs no read of their records:
  // the common case of every update of a certificate, which would otherwise re-read them all.
  const onlyClaimant = (number: string | null | undefined, idNumber: string) => {
    const who = number ? claimants.get(number) : undefined;
    return who !== undefined && who.size === 1 && who.has(idNumber);
  };
  const candidates = [
    ...new Set([
      ...claims.filter((c) => !onlyClaimant(c._id, c.idNumber)).map((c) => c.idNumber),
      ...pointers.filter((p) => !onlyClaimant(p.certificateNumber, p.idNumber)).map((p) => p.idNumber),
    ]),
  ];
  if (candidates.length === 0) return () => [];
  const rows = await m.Records.find(
    { idNumber: { $in: candidates }, recordType: "certificate" },
    { idNumber: 1, "record.operation": 1, "record.certificate.certificateNumber": 1 },
  )
    .session(session)
    .lean<{ idNumber: string; record: Pick<QualificationRecord, "operation" | "certificate"> }[]>();
  const holders = new Map<string, Set<string>>();
  for (const r of rows) {
    const n = r.record.certificate?.certificateNumber;
    if (r.record.operation === "delete" || !n) continue;
    const key = claimKey(n);
    const set = holders.get(key) ?? new Set<string>();
    set.add(r.idNumber);
    holders.set(key, set);
  }
  return (n) => [...(holders.get(n) ?? [])];
}

/**
 * The check of a round's records against the numbers others hold: `refusal(record)` is the reason
 * a record is refused, or null, and then its number counts as its person's for the round's later
 * records (two people's certificates with one number in one round: the first is taken).
 */
export async function createNumberCheck(
  m: Pick<HubModels, "CertificateClaims" | "Records">,
  records: readonly QualificationRecord[],
  pointers: readonly { idNumber: string; certificateNumber?: string | null }[],
  session: ClientSession,
  holdsOwn: (record: QualificationRecord) => boolean = () => false,
): Promise<(record: QualificationRecord) => { code: RejectCode; field: string; message: string } | null> {
  const claimants = new Map<string, Set<string>>();
  for (const r of records) {
    if (holdsOwn(r)) continue;
    const number = claimedNumber(r);
    if (number === null) continue;
    const who = claimants.get(number) ?? new Set<string>();
    who.add(r.practitioner.idNumber);
    claimants.set(number, who);
  }
  const holdersOf = await readCertificateHolders(m, claimants, pointers, session);
  const claimedHere = new Map<string, string>();
  return (record) => {
    const number = claimedNumber(record);
    if (number === null) return null;
    const idNumber = record.practitioner.idNumber;
    if (holdsOwn(record)) {
      // Its own already; a later record of the round giving the number to another is refused.
      if (!claimedHere.has(number)) claimedHere.set(number, idNumber);
      return null;
    }
    const here = claimedHere.get(number);
    if (holdersOf(number).some((x) => x !== idNumber) || (here !== undefined && here !== idNumber))
      return {
        code: CERTIFICATE_NUMBER_IN_USE,
        field: "certificate.certificateNumber",
        message: `证件号码 ${number} 已属于其他从业人员，同一证件号码只能对应一人`,
      };
    claimedHere.set(number, idNumber);
    return null;
  };
}

/**
 * Writes the claims of a round's accepted certificate records, in its transaction: a round
 * claiming the same number at once writes the same document, so one of the two conflicts and
 * decides again from the other's commit (or meets the unique `_id` and is retried record by record).
 */
export async function writeCertificateClaims(
  m: Pick<HubModels, "CertificateClaims">,
  accepted: readonly QualificationRecord[],
  at: Date,
  session: ClientSession,
  holdsOwn: (record: QualificationRecord) => boolean = () => false,
): Promise<void> {
  const claims = accepted.flatMap((r) => {
    if (holdsOwn(r)) return [];
    const number = claimedNumber(r);
    return number === null ? [] : [{ number, idNumber: r.practitioner.idNumber }];
  });
  if (claims.length === 0) return;
  await m.CertificateClaims.bulkWrite(
    claims.map((c) => ({
      updateOne: {
        filter: { _id: c.number },
        update: { $set: { idNumber: c.idNumber, at } },
        upsert: true,
      },
    })),
    { session, ordered: true },
  );
}
