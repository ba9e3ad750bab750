import type { ClientSession, Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuditActor } from "../contracts/audit.js";
import type { AuthUser } from "../contracts/auth.js";
import type { CertificateRecord, CertificateStatus, RecordSignature } from "../contracts/certificates.js";
import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import { enqueueEvent } from "../lib/outbox.js";
import {
  certificateModel,
  statusCapacityModel,
  statusSlotModel,
  type CertificateDoc,
  type StoredStatusEntry,
  type StoredVersion,
} from "./certificate.model.js";
import { sealClaims } from "./crypto/envelope.js";
import type { SigningService } from "./signing.service.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { errors } from "../lib/errors.js";
import { randomStatusIndex } from "./crypto/status-list.js";
import { MIN_STATUS_ENTRIES } from "../lib/bitstring-status-list.js";

/**
 * The node's audit log as the certificate services use it: every change runs in
 * `audit.transaction(work)` and appends its entry with `audit.append(session, …)` inside it, so a
 * change and its entry commit or vanish together (and the log's own queue and head set-up apply).
 */
export type CertificateAuditPort = Pick<AuditLog, "transaction" | "append">;

export type Actor = AuthUser | AuditActor;
export const SYSTEM_ACTOR: AuditActor = { id: "system", kind: "system", name: "系统" };
export const actorName = (a: Actor): string => ("displayName" in a ? a.displayName : a.name);

/** One entry of a certificate's status history (every status change writes one). */
export function statusEntry(
  from: string,
  to: string,
  reason: string,
  actor: Actor,
  at: Date,
): StoredStatusEntry {
  return { from, to, reason, at, by: actor.id, byName: actorName(actor) };
}

type StoredCertificate = CertificateDoc & { _id: unknown };

/** The record as the hub receives it: every field, no internal ids. */
export function toRecord(doc: StoredCertificate | CertificateDoc): CertificateRecord {
  const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : d);
  return {
    provinceCode: doc.provinceCode,
    certificateNo: doc.certificateNo,
    version: doc.version,
    serial: serialOf(doc.certificateNo, doc.version),
    holder: doc.holder as CertificateRecord["holder"],
    categories: doc.categories.map((c) => ({
      code: c.code ?? "",
      name: c.name ?? "",
      firstIssuedOn: c.firstIssuedOn ?? "",
      attemptId: c.attemptId ?? "",
      chainHash: c.chainHash ?? "",
    })),
    issuingAuthority: {
      divisionCode: doc.issuingAuthority?.divisionCode ?? "",
      name: doc.issuingAuthority?.name ?? "",
    },
    firstIssuedOn: doc.firstIssuedOn,
    issuedAt: iso(doc.issuedAt),
    validFrom: doc.validFrom,
    validTo: doc.validTo,
    status: doc.status,
    statusReason: doc.statusReason ?? null,
    statusChangedAt: iso(doc.statusChangedAt),
    statusIndex: doc.statusIndex,
    updatedAt: iso(doc.statusChangedAt > doc.issuedAt ? doc.statusChangedAt : doc.issuedAt),
    ...(doc.transferredFrom
      ? {
          transferredFrom: {
            provinceCode: doc.transferredFrom.provinceCode,
            certificateNo: doc.transferredFrom.certificateNo,
            version: doc.transferredFrom.version,
            kid: doc.transferredFrom.kid,
            caseId: doc.transferredFrom.caseId,
            // Only a legacy transfer names its basis, so records signed before it verify unchanged.
            ...(doc.transferredFrom.basis === "hub_record" ? { basis: "hub_record" as const } : {}),
          },
        }
      : {}),
  };
}

export const serialOf = (certificateNo: string, version: number) =>
  `${certificateNo}-${String(version).padStart(2, "0")}`;

/** What a certificate's QR claims: the record's identity, validity and status slot, and the pass. */
export function qrClaimsOf(record: CertificateRecord, chainHash: string): Parameters<typeof sealClaims>[0] {
  return {
    provinceCode: record.provinceCode,
    certificateNo: record.certificateNo,
    version: record.version,
    name: record.holder.name,
    categories: record.categories.map((c) => c.code),
    validFrom: record.validFrom,
    validTo: record.validTo,
    issuedAt: record.issuedAt,
    statusIndex: record.statusIndex,
    chainHash,
  };
}

/**
 * The QR text and the record signature of a new issuance version (first issue, a category added,
 * renewal, transfer), made with one key picked once, for the record's issue time: picked apart, a
 * certificate issued as the key switched (a rotation's lead running out, or another instance rotating
 * without one) named one key in its QR and was signed by another in its record.
 */
export async function sealAndSign(
  signing: SigningService,
  record: CertificateRecord,
  chainHash: string,
): Promise<RecordSignature> {
  const key = await signing.sealingKey(record.issuedAt);
  const qr = sealClaims(qrClaimsOf(record, chainHash), key);
  return { ...signing.signRecord(record, key), qr };
}

/**
 * The record signature of a status change, with the key in use now, beside the QR of the issuance
 * version it changes (the card in the holder's hands keeps its QR).
 */
export function signatureFor(
  signing: SigningService,
  record: CertificateRecord,
  qr: string,
): RecordSignature {
  return { ...signing.signRecord(record), qr };
}

/**
 * The history entry of one issuance version, the same for every kind of issuance (first issue, a
 * category added, renewal, transfer): what the version covers and the signature it was sealed with.
 */
export function versionEntryFor(
  record: CertificateRecord,
  signature: RecordSignature,
  made: Pick<StoredVersion, "version" | "kind" | "at" | "by">,
): StoredVersion {
  return {
    ...made,
    categories: record.categories.map((c) => c.code),
    validFrom: record.validFrom,
    validTo: record.validTo,
    kid: signature.kid,
    suite: signature.suite,
    qr: signature.qr,
  };
}

/** Writes the outbox entry inside the transaction; the key makes a retried transaction write it once. */
export async function enqueue<K extends DomainEventName>(
  conn: Connection,
  session: ClientSession,
  name: K,
  payload: DomainEvents[K],
  key: string,
): Promise<void> {
  await enqueueEvent(conn, session, name, payload, key);
}

/**
 * How many random status indexes an issuance draws before it gives up. Indexes are drawn from the
 * province's capacity, which doubles once more than half is used (`createStatusSlots`), so a draw
 * meets a taken index at most half the time and 32 draws all fail about once in four billion
 * issuances; running out means the capacity could not grow. (The list used to hold a fixed 131,072
 * slots, never freed: a province with more holders could not issue at all.)
 */
const MAX_INDEX_TRIES = 32;

/**
 * Runs `write` (which draws a random status index below `capacity`) again while it fails only
 * because that index is already taken, up to MAX_INDEX_TRIES times, then refuses
 * `status_list_full` in words an officer can pass on; any other failure is the caller's.
 */
export async function withFreeStatusIndex<T>(
  write: () => Promise<T>,
  capacity: number = MIN_STATUS_ENTRIES,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isDuplicateKey(err, "statusIndex")) throw err;
      if (attempt >= MAX_INDEX_TRIES)
        throw errors.conflict(
          "status_list_full",
          `本省证书状态列表（${capacity} 个位置）已用尽或接近用尽，暂时无法为新证书分配状态位，请联系系统管理员`,
        );
    }
  }
}

/** More than this share of the capacity in use, and it doubles before the next draw. */
const GROW_ABOVE = 0.5;

/**
 * The province's status-list indexes (W3C Bitstring Status List, random per certificate version for
 * herd privacy). A first issue, a reissue and a transfer in or back draw a new index below the
 * capacity and claim it in their transaction (a slot, unique: a taken index fails the write with a
 * duplicate key and `withFreeStatusIndex` draws again). A reissue or a transfer back retires the
 * index the certificate had: the earlier card carries it, so it keeps the status that version ended
 * with (a card cancelled at the holder's request stays cancelled on every verifier's list, though
 * the holder passed again and the certificate is valid on a new index). Kept the index, the old card
 * read valid again everywhere the status list is the only source.
 */
export function createStatusSlots(
  conn: Connection,
  provinceCode: string,
  /** Where random indexes come from (a test forces its draws). */
  random: (capacity: number) => number = randomStatusIndex,
) {
  const Slots = statusSlotModel(conn);
  const Capacity = statusCapacityModel(conn);
  const Certificates = certificateModel(conn);

  async function stored(): Promise<number> {
    const doc = await Capacity.findOne({ provinceCode }, { capacity: 1 }).lean();
    if (doc) return doc.capacity;
    await Capacity.updateOne(
      { provinceCode },
      { $setOnInsert: { capacity: MIN_STATUS_ENTRIES, grownAt: null } },
      { upsert: true },
    ).catch((err: unknown) => {
      // Another instance created it meanwhile: its value is read below.
      if (!isDuplicateKey(err)) throw err;
    });
    return (await Capacity.findOne({ provinceCode }, { capacity: 1 }).lean())?.capacity ?? MIN_STATUS_ENTRIES;
  }

  return {
    /**
     * The capacity to draw from now, doubled first (once per instance that sees it, by a
     * conditional update: two instances growing at once double it once) while more than half is
     * used: every certificate holds one index, every retired slot another.
     */
    async capacity(): Promise<number> {
      let capacity = await stored();
      const used =
        (await Certificates.estimatedDocumentCount()) + (await Slots.countDocuments({ retired: true }));
      while (used > capacity * GROW_ABOVE) {
        await Capacity.updateOne(
          { provinceCode, capacity },
          { $set: { capacity: capacity * 2, grownAt: new Date() } },
        );
        capacity = await stored();
      }
      return capacity;
    },
    /**
     * A random index below `capacity`, never `leaving` (the index the certificate leaves, which
     * `retire` retires in the same transaction); `claim` makes it the certificate's. An index
     * drawn before slots were kept has no slot, so drawing it again raised no duplicate key: the
     * claim took it, the retirement then marked it, and the new valid certificate was published
     * as cancelled.
     */
    draw(capacity: number, leaving?: number): number {
      let index = random(capacity);
      while (index === leaving) index = random(capacity);
      return index;
    },
    /** Claims `statusIndex` for `certificateNo` inside the transaction `session`; a taken index throws a duplicate key. */
    async claim(session: ClientSession, statusIndex: number, certificateNo: string, at: Date): Promise<void> {
      await Slots.create(
        [
          {
            statusIndex,
            certificateNo,
            drawnAt: at,
            retired: false,
            retiredStatus: null,
            retiredAt: null,
            lastVersion: null,
          },
        ],
        { session },
      );
    },
    /**
     * Retires the index a certificate leaves, inside the transaction `session` that gives it its
     * new one, with the status its last version ended with (a version superseded while still
     * valid, as a lapsed certificate reissued, ends cancelled: its card is no longer the
     * certificate). An index drawn before slots were kept gets its slot now.
     */
    async retire(
      session: ClientSession,
      from: { statusIndex: number; certificateNo: string; status: CertificateStatus; version: number },
      at: Date,
    ): Promise<void> {
      const retiredStatus = from.status === "valid" ? "cancelled" : from.status;
      await Slots.updateOne(
        { statusIndex: from.statusIndex },
        {
          $set: { retired: true, retiredStatus, retiredAt: at, lastVersion: from.version },
          $setOnInsert: { certificateNo: from.certificateNo, drawnAt: null },
        },
        { upsert: true, session },
      );
    },
  };
}
