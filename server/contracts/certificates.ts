import { z } from "zod";
import { NON_DRIVING_CATEGORIES } from "./categories.js";
import { CertificateStatus, ManualCancellationReason, SignatureSuite } from "./certificate-base.js";
import { DivisionCode } from "./auth.js";
import { LicenceClass } from "./registration.js";
import { IdNumber, IsoDate, IsoInstant, TimeIdCursor } from "./validation.js";
import { visibleText } from "./visible-text.js";

/**
 * Certificates (从业资格证): the record every node keeps, the signed QR payload, the outbox payloads
 * the hub publishes and the officer's API. Shared with the client and with the hub (issue 12): every
 * record carries its province code, certificate number, serial and version, and the signature over
 * it, so the hub can store and pass it on without trusting the transport. By responsibility, and
 * re-exported here: certificate-base.ts (suites, statuses, reasons), certificate-trust.ts (trust
 * list, status list and the verification answer).
 */

export * from "./certificate-base.js";
export * from "./certificate-trust.js";

const Text = (max: number) => z.string().trim().min(1).max(max);

/** One qualification category on a certificate, with the exam that earned it. */
export const CertificateCategory = z.strictObject({
  code: z.string().regex(/^\d{5}$/),
  name: z.string().max(60),
  firstIssuedOn: IsoDate,
  /** The attempt whose pass earned it, and the final hash of that attempt's event chain. */
  attemptId: z.string().max(64),
  chainHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CertificateCategory = z.infer<typeof CertificateCategory>;

const LICENCE_NOTE =
  "Both or neither: absent only when every category is 03002 or 03003 (holders who do not drive).";

/**
 * The holder as printed. The driving licence (class and first-issue date, both or neither) is
 * absent for a holder of the non-driving categories only (装卸管理人员, 押运人员); records signed
 * before it could be absent carry both, and verify unchanged.
 */
export const CertificateHolder = z
  .strictObject({
    name: Text(60),
    sex: z.enum(["male", "female"]),
    birthDate: IsoDate,
    idNumber: z.string().regex(/^\d{17}[\dX]$/),
    nationality: z.string().max(40),
    addressDivisionCode: z.string().regex(/^\d{6}$/),
    licenceClass: z.string().max(20).optional().meta({ description: LICENCE_NOTE }),
    licenceFirstIssuedOn: IsoDate.optional().meta({ description: LICENCE_NOTE }),
  })
  .refine((h) => (h.licenceClass === undefined) === (h.licenceFirstIssuedOn === undefined), {
    message: "准驾车型与驾驶证初领日期须同时载明或同时不载明",
    path: ["licenceClass"],
  });
export type CertificateHolder = z.infer<typeof CertificateHolder>;

/** The signature that travels with a record: over the record's canonical JSON, and the QR text. */
export const RecordSignature = z.strictObject({
  suite: SignatureSuite,
  kid: z.string().max(32),
  /** base64url signature over `canonicalJson(record)` (sorted keys, no `signature` field). */
  value: z.string().max(200),
  /** The signed QR text (`RC1:` + Base45 COSE_Sign1) printed on this issuance. */
  qr: z.string().max(2000),
});
export type RecordSignature = z.infer<typeof RecordSignature>;

/** The full certificate record of one issuance version, as the hub receives it. */
export const CertificateRecord = z
  .strictObject({
    provinceCode: z.string().regex(/^\d{6}$/),
    /** The holder's 18-digit ID number (as in practice). */
    certificateNo: z.string().regex(/^\d{17}[\dX]$/),
    /** Issuance version of this certificate: 1 on first issue, +1 for every added category or renewal. */
    version: z.number().int().min(1),
    /** Printed serial: certificate number plus the version (e.g. `…1234-02`). */
    serial: z.string().max(40),
    holder: CertificateHolder,
    categories: z.array(CertificateCategory).min(1).max(20),
    issuingAuthority: z.strictObject({ divisionCode: z.string().regex(/^\d{6}$/), name: z.string().max(80) }),
    firstIssuedOn: IsoDate,
    issuedAt: IsoInstant,
    validFrom: IsoDate,
    validTo: IsoDate,
    status: CertificateStatus,
    statusReason: z.string().max(200).nullable(),
    statusChangedAt: IsoInstant,
    /** Position in the issuer's status list (random, for herd privacy). */
    statusIndex: z.number().int().min(0),
    /** Set for every record: when it was last written (MOT specs' UpdateTime). */
    updatedAt: IsoInstant,
    /**
     * Provenance of a certificate issued on a transfer (转籍): the home province's certificate it
     * replaces, as verified by its signatures, and the exchange case that agreed the transfer.
     */
    transferredFrom: z
      .object({
        provinceCode: z.string().regex(/^\d{6}$/),
        certificateNo: z.string().regex(/^\d{17}[\dX]$/),
        version: z.number().int().min(1),
        kid: z.string().max(32),
        caseId: z.string().max(64),
        /**
         * What the new certificate was issued from: the home province's signed certificate, or for a
         * legacy holder (no signed certificate at home) the hub's record of it (`kid` is then `hub`).
         */
        basis: z.enum(["signed_certificate", "hub_record"]).optional(),
      })
      .strict()
      .optional(),
  })
  // A driver's certificate without a licence is not a certificate roadcert or its readers accept.
  .refine(
    (r) =>
      r.holder.licenceClass !== undefined ||
      r.categories.every((c) => (NON_DRIVING_CATEGORIES as readonly string[]).includes(c.code)),
    { message: "驾驶员类别的证书须载明准驾车型和驾驶证初领日期", path: ["holder", "licenceClass"] },
  );

/**
 * Issuing on a transfer of a legacy holder: the holder's facts the hub's record does not carry,
 * entered by the officer from the holder's documents (a signed source certificate carries them).
 */
export const TransferIssueBody = z
  .object({
    holder: z
      .object({
        // Six digits here; a current division, as registration takes it, at the route (isKnownDivision).
        addressDivisionCode: DivisionCode,
        // Both or neither; a driver category's transfer needs them (transfer.service).
        licenceClass: LicenceClass.optional(),
        licenceFirstIssuedOn: IsoDate.optional(),
      })
      .strict()
      .refine((h) => (h.licenceClass === undefined) === (h.licenceFirstIssuedOn === undefined), {
        message: "准驾车型与驾驶证初领日期须同时填写或同时不填",
        path: ["licenceClass"],
      })
      .optional(),
  })
  .strict();
export type TransferIssueBody = z.infer<typeof TransferIssueBody>;
export type CertificateRecord = z.infer<typeof CertificateRecord>;

export interface SignedCertificateRecord {
  record: CertificateRecord;
  signature: RecordSignature;
}
/** A certificate record with its signature, as it travels between provinces (bounded by its schemas). */
export const SignedCertificateRecord = z
  .object({ record: CertificateRecord, signature: RecordSignature })
  .strict();

/** How a certificate version came to be. */
export type IssueKind = "first_issue" | "category_added" | "renewal" | "transfer" | "reissue";
export const ISSUE_KIND_LABELS: Readonly<Record<IssueKind, string>> = {
  first_issue: "首次发证",
  category_added: "增加类别",
  renewal: "换证",
  transfer: "转籍换发",
  reissue: "重新发证",
};

/** Outbox payloads the certificates feature writes; the hub publishes them (issue 12). */
export interface CertificateEvents {
  /** A new issuance version: first issue, an added category, or a renewal. MOT flag: 1 add / 2 update. */
  "certificate.issued": SignedCertificateRecord & {
    kind: IssueKind;
    flag: 1 | 2;
  };
  /** A status change (cancelled, revoked, withdrawn) with who, when and why; the record is re-signed. */
  "certificate.status_changed": SignedCertificateRecord & {
    flag: 2;
    change: { from: CertificateStatus; to: CertificateStatus; reason: string; at: string; by: string };
  };
}

// ---- officer API ----

/** The issuance list: one status, newest pass first, a page at a time. */
export const IssuanceListQuery = z.strictObject({
  status: z.enum(["pending", "issued", "rejected"]).default("pending"),
  before: TimeIdCursor.optional(),
});
export type IssuanceListQuery = z.infer<typeof IssuanceListQuery>;
export const ReasonBody = z.strictObject({ reason: visibleText(2, 200) });
export const CancelBody = z.strictObject({
  reason: ManualCancellationReason,
  // A note is optional, but read later as a revocation's reason is: no hidden characters either.
  note: visibleText(0, 200).default(""),
});

/**
 * Where the next page of the certificate list starts: the last certificate shown, as
 * `<issuedAt ISO>~<certificate number>` (the list's order is issuedAt, then number, newest first).
 */
export const CertificateCursor = z
  .string()
  .max(80)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z~[0-9A-Z]{1,40}$/, "不是本列表给出的翻页位置");

/** The officer's certificate list: all filters optional, newest first, a page at a time. */
export const CertificateListQuery = z.strictObject({
  idNumber: IdNumber.optional(),
  status: CertificateStatus.optional(),
  before: CertificateCursor.optional(),
});
export type CertificateListQuery = z.infer<typeof CertificateListQuery>;

/** One issuance version of a certificate, as the officer's certificate view lists it. */
export interface CertificateVersionDto {
  version: number;
  kind: string;
  at: string;
  by: string;
  categories: string[];
  validFrom: string;
  validTo: string;
  kid: string;
}

/** The certificate view: the signed record, its QR text, every version and every status entry. */
export interface CertificateDto {
  record: CertificateRecord;
  qr: string;
  suite: string;
  kid: string;
  photoId: string | null;
  versions: CertificateVersionDto[];
  statusHistory: { from: string; to: string; reason: string; at: string; by: string }[];
  /**
   * Whether renewal (换证) would be accepted today (the node's day), as the renewal itself decides:
   * the window opens `opensOn` and closes with the last valid day; `reason` says why not.
   */
  renewal: { opensOn: string; allowed: boolean; reason: string | null };
}

/** What an officer sees of a pending (or decided) issuance. */
export interface IssuanceDto {
  id: string;
  attemptId: string;
  candidateId: string;
  idNumber: string;
  name: string;
  categoryCode: string;
  sessionId: string;
  score: number;
  passedAt: string;
  divisionCode: string;
  status: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

// ---- signing keys (province-level admins) ----

/** The longest lead a node may set before a rotated certificate key signs (CERT_KEY_ROTATION_LEAD_HOURS): 30 days. */
export const MAX_KEY_ROTATION_LEAD_HOURS = 24 * 30;

/**
 * GET /api/certificates/keys/rotation: how an admin's certificate key rotation goes on this node,
 * so the 签名密钥 page says it before the first rotation as exactly as after. `rotationLeadHours`:
 * the new key is on the trust list and announced to the hub at once but starts signing this many
 * whole hours after the rotation, the current key signing meanwhile (CERT_KEY_ROTATION_LEAD_HOURS);
 * 0: it signs at once. A trust-list key rotation has no lead.
 */
export const KeyRotationSettingsDto = z.strictObject({
  rotationLeadHours: z.number().int().min(0).max(MAX_KEY_ROTATION_LEAD_HOURS),
});
export type KeyRotationSettingsDto = z.infer<typeof KeyRotationSettingsDto>;
