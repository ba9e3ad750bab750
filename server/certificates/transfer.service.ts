import type { ClientSession, Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CertificateRecord, SignedCertificateRecord } from "../contracts/certificates.js";
import { errors } from "../lib/errors.js";
import { certificateModel, type CertificateDoc } from "./certificate.model.js";
import { canonicalJson } from "./crypto/signed-document.js";
import { randomStatusIndex } from "./crypto/status-list.js";
import { createVerifier } from "./crypto/suites.js";
import { verifyQrText } from "./crypto/verify-qr.js";
import { chinaDate } from "./lifecycle.js";
import { enqueue, sealQr, serialOf, signatureFor, toRecord, withFreeStatusIndex, type CertificateAuditPort } from "./record.js";
import type { SigningService } from "./signing.service.js";
import { isDuplicateKey } from "../lib/mongo.js";

/** An agreed transfer (转籍) as this province (the receiving one) holds it in the exchange. */
export interface AcceptedTransfer {
  caseId: string;
  idNumber: string;
  name: string;
  /** The practitioner's former home province, whose certificate this one replaces. */
  homeProvince: string;
  /** The office of this province that handles the case: it issues. */
  division: string;
  /** The home province's certificate and its signature, sent with its agreement (null: none held). */
  source: SignedCertificateRecord | null;
}

/** What the certificates feature needs of the exchange for a transfer; given by the composition root. */
export interface TransferCasesPort {
  /** The actor's agreed, not yet issued transfer case; refuses anything else. */
  accepted(actor: AuthUser, caseId: string): Promise<AcceptedTransfer>;
  /**
   * Marks the case issued and queues the `issued` message to the home province, in the caller's
   * transaction; refuses (and so aborts the issuance) when the case was issued already.
   */
  recordIssued(
    session: ClientSession,
    actor: AuthUser,
    caseId: string,
    issued: { certificateNo: string; version: number; serial: string; issuedAt: string; issuingAuthority: { divisionCode: string; name: string } },
  ): Promise<void>;
  /** Wakes the exchange sender after the issuance committed. */
  kick(): void;
}

export interface TransferIssuancePorts {
  audit: CertificateAuditPort;
  signing: SigningService;
  transfers: TransferCasesPort;
  provinceCode: string;
  divisionName(code: string): string;
  onOutbox?: () => void;
  clock?: () => Date;
}

/**
 * Issuance on a transfer (转籍换发): the receiving province's officer issues this province's
 * certificate from the home province's certificate, which came with the home province's agreement
 * through the hub. It is trusted only as far as its signatures go: the QR payload and the record
 * must both verify under a key of the home province on the national trust list, and name the
 * practitioner of the case. The new certificate keeps the qualification (categories with their
 * passes, first-issue date, validity end) and records where it came from; one transaction writes
 * it, marks the case issued (so it happens once), queues the home province's notice, the audit
 * entry and the hub publication.
 */
export function createTransferIssuance(conn: Connection, ports: TransferIssuancePorts) {
  const Certificates = certificateModel(conn);
  const clock = ports.clock ?? (() => new Date());

  /** The source certificate if its signatures and contents hold; else a refusal naming why. */
  async function verifiedSource(t: AcceptedTransfer, now: Date): Promise<SignedCertificateRecord> {
    if (!t.source) throw errors.unprocessable("source_certificate_missing", "原籍省份同意转籍时未附其证书，无法据以换发");
    const { record, signature } = t.source;
    const refuse = (why: string, details?: unknown) =>
      errors.unprocessable("source_certificate_unverified", `原籍证书核验未通过：${why}`, details);
    const trust = await ports.signing.trustContext();
    const qr = verifyQrText(signature.qr, trust, now);
    if (!qr.authentic || !qr.claims) throw refuse(qr.message, { code: qr.code });
    // Expired or known to be revoked at home: nothing to carry over.
    if (qr.code !== "valid") throw refuse(qr.message, { code: qr.code });
    const bytes = Buffer.from(canonicalJson(record), "utf8");
    const value = Buffer.from(signature.value, "base64url");
    const signedByHome = trust.lists
      .flatMap((l) => l.body.keys)
      .some(
        (k) =>
          k.kid === signature.kid && k.suite === signature.suite && k.provinceCode === t.homeProvince &&
          createVerifier(k.suite, k.publicKey).verify(bytes, value),
      );
    if (!signedByHome) throw refuse("证书记录的签名无效，或签名密钥不属于原籍省份");
    const c = qr.claims;
    const consistent =
      record.provinceCode === t.homeProvince && c.provinceCode === t.homeProvince &&
      record.certificateNo === t.idNumber && c.certificateNo === t.idNumber && record.holder.idNumber === t.idNumber &&
      record.holder.name === t.name && c.version === record.version && record.status === "valid";
    if (!consistent) throw refuse("证书与转籍的从业人员或原籍省份不符，或已不是有效状态");
    return t.source;
  }

  async function issueOnce(actor: AuthUser, t: AcceptedTransfer, source: SignedCertificateRecord, now: Date): Promise<CertificateRecord> {
    const src = source.record;
    const doc: CertificateDoc = {
      provinceCode: ports.provinceCode,
      certificateNo: t.idNumber,
      // No candidate of this node stands behind it: the qualification was earned at home.
      candidateId: `transfer:${t.caseId}`,
      holder: { ...src.holder },
      photoId: null,
      categories: src.categories.map((c) => ({ ...c })),
      issuingAuthority: { divisionCode: t.division, name: ports.divisionName(t.division) },
      divisionCode: t.division,
      firstIssuedOn: src.firstIssuedOn,
      version: 1,
      issuedAt: now,
      // A transfer moves the qualification, it does not renew it: the validity still ends where it did.
      validFrom: chinaDate(now),
      validTo: src.validTo,
      status: "valid",
      statusReason: null,
      statusChangedAt: now,
      statusIndex: randomStatusIndex(),
      signature: null,
      versions: [],
      statusHistory: [],
      transferredFrom: { provinceCode: src.provinceCode, certificateNo: src.certificateNo, version: src.version, kid: source.signature.kid, caseId: t.caseId },
      supersededBy: null,
    };
    const record = toRecord(doc);
    const qr = sealQr(ports.signing, record, src.categories.at(-1)?.chainHash ?? "0".repeat(64));
    const signature = signatureFor(ports.signing, record, qr);
    const versionEntry = {
      version: 1, kind: "transfer" as const, at: now, by: actor.displayName, categories: record.categories.map((c) => c.code),
      validFrom: record.validFrom, validTo: record.validTo, kid: signature.kid, suite: signature.suite, qr,
    };
    await ports.audit.transaction(async (session) => {
      await Certificates.create([{ ...doc, signature, versions: [versionEntry] }], { session });
      await ports.transfers.recordIssued(session, actor, t.caseId, {
        certificateNo: record.certificateNo, version: record.version, serial: record.serial, issuedAt: record.issuedAt,
        issuingAuthority: record.issuingAuthority,
      });
      await ports.audit.append(session, {
        action: "certificate.issued",
        actor,
        divisionCode: t.division,
        target: { type: "certificate", id: record.certificateNo },
        details: {
          version: 1, kind: "transfer", caseId: t.caseId, fromProvince: src.provinceCode,
          sourceSerial: serialOf(src.certificateNo, src.version), sourceKid: source.signature.kid, kid: signature.kid,
        },
      });
      await enqueue(conn, session, "certificate.issued", { record, signature, kind: "transfer", flag: 1 }, `certificate.issued:${record.provinceCode}:${record.certificateNo}:1`);
    });
    return record;
  }

  return {
    /** Issues this province's certificate on the agreed transfer `caseId`, once. */
    async issue(actor: AuthUser, caseId: string): Promise<CertificateRecord> {
      const t = await ports.transfers.accepted(actor, caseId);
      const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
      const source = await verifiedSource(t, now);
      if (await Certificates.exists({ certificateNo: t.idNumber }))
        throw errors.conflict("certificate_exists", "本省已有该持证人的证书，不能因转籍再发");
      let record: CertificateRecord;
      try {
        record = await withFreeStatusIndex(() => issueOnce(actor, t, source, now));
      } catch (err) {
        if (isDuplicateKey(err, "certificateNo"))
          throw errors.conflict("certificate_exists", "本省已有该持证人的证书，不能因转籍再发");
        throw err;
      }
      ports.transfers.kick();
      ports.onOutbox?.();
      return record;
    },
  };
}
export type TransferIssuance = ReturnType<typeof createTransferIssuance>;
