import type { Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { createHash } from "node:crypto";
import { CATEGORIES, needsDrivingLicence } from "../contracts/categories.js";
import type { CertificateRecord, TransferIssueBody } from "../contracts/certificates.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { checkIdNumber } from "../lib/id-number.js";
import { errors } from "../lib/errors.js";
import { certificateModel, type CertificateDoc } from "./certificate.model.js";
import type { CertificateLean } from "./lifecycle.service.js";
import { canonicalJson } from "./crypto/signed-document.js";
import { verifyQrText } from "./crypto/verify-qr.js";
import { refuseStaleHomeList } from "./home-status.js";
import {
  enqueue,
  sealAndSign,
  serialOf,
  statusEntry,
  versionEntryFor,
  toRecord,
  createStatusSlots,
  withFreeStatusIndex,
  type CertificateAuditPort,
} from "./record.js";
import type { SigningService } from "./signing.service.js";
import type { AcceptedTransfer, TransferCasesPort } from "./transfer.ports.js";
import { refuseRecordCardMismatch, signedByHome } from "./transfer-source.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { assertNamePrintable } from "./pdf/fonts.js";
import { chinaDate } from "../lib/local-time.js";
import { calendarDateText } from "../contracts/calendar-text.js";

const hashOf = (x: QualificationRecord) => createHash("sha256").update(canonicalJson(x)).digest("hex");

/** What a transfer issues from, whichever its basis: the qualification the new certificate carries over. */
interface TransferSource {
  basis: "signed_certificate" | "hub_record";
  provinceCode: string;
  certificateNo: string;
  version: number;
  /** The home's signing key id, or `hub` for the hub's record. */
  kid: string;
  serial: string;
  holder: CertificateRecord["holder"];
  categories: CertificateRecord["categories"];
  firstIssuedOn: string;
  validTo: string;
}

export interface TransferIssuancePorts {
  audit: CertificateAuditPort;
  signing: SigningService;
  transfers: TransferCasesPort;
  provinceCode: string;
  divisionName(code: string): string;
  onOutbox?: () => void;
  clock?: () => Date;
  /** The node's zone (TIME_ZONE), for the times its refusals write. */
  timeZone: string;
  /** Overrides the random status-index draw (tests force a draw). */
  statusIndexSource?: (capacity: number) => number;
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
  const slots = createStatusSlots(conn, ports.provinceCode, ports.statusIndexSource);
  const clock = ports.clock ?? (() => new Date());

  /** The source certificate if its signatures and contents hold; else a refusal naming why. */
  async function verifiedSource(
    t: AcceptedTransfer,
    now: Date,
    input: TransferIssueBody,
  ): Promise<TransferSource> {
    if (!t.source) return fromHubRecord(t, now, input);
    const { record, signature } = t.source;
    const refuse = (why: string, details?: unknown) =>
      errors.unprocessable("source_certificate_unverified", `原籍证书核验未通过：${why}`, details);
    // The home's status now, from the hub's copy of its list: the certificate came with the
    // agreement and may have been revoked since (a penalty), which its signatures cannot tell.
    const trust = await ports.signing.trustContext({ currentStatusOf: t.homeProvince });
    // Its message is quoted in the refusal: times in it are the node's, as the officer's page shows them.
    const qr = verifyQrText(signature.qr, { ...trust, timeZone: ports.timeZone }, now);
    if (!qr.authentic || !qr.claims) throw refuse(qr.message, { code: qr.code });
    // Expired or revoked at home: nothing to carry over.
    if (qr.code !== "valid") throw refuse(qr.message, { code: qr.code });
    // The QR check forgives ten minutes of clock drift past the last day; issuing forgives none. In
    // those minutes after midnight the source is expired on China's calendar day (as it prints its
    // dates), and the new certificate, valid from today to that day, could not even be sealed.
    if (qr.claims.validTo < chinaDate(now))
      throw refuse(`证书已于 ${calendarDateText(qr.claims.validTo)} 到期`, { code: "certificate_expired" });
    // Status unknown is not valid: carried over, a certificate revoked at home would live again.
    const homeList = trust.statusLists?.get(t.homeProvince);
    if (qr.status?.state !== "valid" || !homeList)
      throw errors.conflict(
        "source_status_unknown",
        "暂时无法从全国中心取得原籍省份证书的当前状态，不能换发；请稍后再试",
      );
    refuseStaleHomeList(homeList.body, now, t.agreedAt ?? null, ports.timeZone);
    if (!signedByHome(trust.lists, record, signature, t.homeProvince, now))
      throw refuse("证书记录的签名无效，或签名密钥不属于原籍省份、签发时不在其有效期内");
    const c = qr.claims;
    const consistent =
      record.provinceCode === t.homeProvince &&
      c.provinceCode === t.homeProvince &&
      record.certificateNo === t.idNumber &&
      c.certificateNo === t.idNumber &&
      record.holder.idNumber === t.idNumber &&
      record.holder.name === t.name &&
      record.status === "valid";
    if (!consistent) throw refuse("证书与转籍的从业人员或原籍省份不符，或已不是有效状态");
    refuseRecordCardMismatch(record, c);
    return {
      basis: "signed_certificate",
      provinceCode: record.provinceCode,
      certificateNo: record.certificateNo,
      version: record.version,
      kid: signature.kid,
      serial: serialOf(record.certificateNo, record.version),
      holder: record.holder,
      categories: record.categories,
      firstIssuedOn: record.firstIssuedOn,
      validTo: record.validTo,
    };
  }

  /**
   * A legacy holder (the home node keeps no signed certificate): the hub's record of the home's
   * certificate is the source of truth. It reached this node signed by the hub with the agreement,
   * and the hub took it from the home province's signed collection messages. It must name the
   * case's practitioner and home, be valid and unexpired; the holder facts it does not carry
   * (address, licence) are the officer's, from the holder's documents. It must still be the hub's
   * record now: the home may have revoked or corrected it since it agreed, which the copy cannot tell.
   */
  async function fromHubRecord(t: AcceptedTransfer, now: Date, input: TransferIssueBody) {
    const r = t.hubRecord;
    if (!r?.certificate)
      throw errors.unprocessable(
        "source_certificate_missing",
        "原籍省份同意转籍时未附其证书，全国中心也无其有效证书记录，无法据以换发",
      );
    const cert = r.certificate;
    const consistent =
      r.recordType === "certificate" &&
      r.sourceProvince === t.homeProvince &&
      r.practitioner.idNumber === t.idNumber &&
      r.practitioner.name === t.name &&
      r.state === "valid" &&
      cert.status === "valid" &&
      cert.validTo >= chinaDate(now);
    if (!consistent)
      throw errors.unprocessable(
        "source_record_unusable",
        "全国中心的原籍证书记录与转籍人员或原籍省份不符，或已失效",
      );
    // A holder of the non-driving categories only has no licence; any driver category needs one.
    const drives = r.categories.some(needsDrivingLicence);
    const licenceFields = drives ? ["licenceClass", "licenceFirstIssuedOn"] : [];
    if (!input.holder || (drives && !input.holder.licenceClass))
      throw errors.unprocessable(
        "holder_details_required",
        drives
          ? "历史登记记录不含住址和驾驶证信息：请按持证人证件录入后换发"
          : "历史登记记录不含住址信息：请按持证人证件录入后换发",
        { fields: [...(input.holder ? [] : ["addressDivisionCode"]), ...licenceFields] },
      );
    const id = checkIdNumber(t.idNumber, { today: now });
    if (!id.ok)
      throw errors.unprocessable("source_record_unusable", "全国中心的原籍证书记录身份证号码不合法");
    // Binds each carried-over category to the exact hub record it came from.
    const recordHash = hashOf(r);
    const current = await t.currentHubRecord();
    if (!current || hashOf(current) !== recordHash) {
      const ended = !current || current.state !== "valid" || current.certificate?.status !== "valid";
      throw errors.conflict(
        "source_record_changed",
        ended
          ? "原籍省份在同意转籍后已注销或吊销其证书记录，不能换发"
          : "原籍省份在同意转籍后更正了其证书记录，不能按同意时的记录换发；请撤回转籍后重新申请",
        { version: current?.version ?? null, status: current?.certificate?.status ?? null },
      );
    }
    return {
      basis: "hub_record" as const,
      provinceCode: r.sourceProvince,
      certificateNo: t.idNumber,
      version: r.version,
      kid: "hub",
      serial: cert.certificateNumber,
      holder: {
        name: r.practitioner.name,
        sex: id.info.sex,
        birthDate: id.info.birthDate,
        idNumber: t.idNumber,
        nationality: "中国",
        ...input.holder,
      },
      categories: r.categories.map((code) => ({
        code,
        name: CATEGORIES[code],
        firstIssuedOn: cert.firstIssueDate,
        attemptId: `legacy:${r.recordId}`.slice(0, 64),
        chainHash: recordHash,
      })),
      firstIssuedOn: cert.firstIssueDate,
      validTo: cert.validTo,
    };
  }

  async function issueOnce(
    actor: AuthUser,
    t: AcceptedTransfer,
    src: TransferSource,
    now: Date,
    earlier: CertificateLean | null,
    capacity: number,
  ): Promise<CertificateRecord> {
    // A name from another province's record is printed here too (see assertNamePrintable).
    assertNamePrintable(src.holder.name);
    // A holder coming back (A → B → A): this province's certificate, cancelled when they left, is
    // issued again as its next version (one document per ID number; the hub's record of it moves
    // on from the cancellation) on a new status index. The old index is retired cancelled: the
    // card the holder had before leaving carries it, and kept, it read valid again on the list.
    const version = (earlier?.version ?? 0) + 1;
    // Never the index it leaves: one drawn before slots were kept has no slot, so claiming it raises
    // no duplicate key, and retiring it below would publish the new valid certificate as cancelled.
    const statusIndex = slots.draw(capacity, earlier?.statusIndex);
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
      version,
      issuedAt: now,
      // A transfer moves the qualification, it does not renew it: the validity still ends where it did.
      validFrom: chinaDate(now),
      validTo: src.validTo,
      status: "valid",
      statusReason: null,
      statusChangedAt: now,
      statusIndex,
      signature: null,
      versions: [],
      statusHistory: [],
      transferredFrom: {
        provinceCode: src.provinceCode,
        certificateNo: src.certificateNo,
        version: src.version,
        kid: src.kid,
        caseId: t.caseId,
        ...(src.basis === "hub_record" ? { basis: "hub_record" as const } : {}),
      },
      supersededBy: null,
    };
    const record = toRecord(doc);
    const signature = await sealAndSign(
      ports.signing,
      record,
      src.categories.at(-1)?.chainHash ?? "0".repeat(64),
    );
    const versionEntry = versionEntryFor(record, signature, {
      version,
      kind: "transfer",
      at: now,
      by: actor.displayName,
    });
    await ports.audit.transaction(async (session) => {
      await slots.claim(session, statusIndex, record.certificateNo, now);
      if (earlier) {
        await slots.retire(
          session,
          {
            statusIndex: earlier.statusIndex,
            certificateNo: earlier.certificateNo,
            status: earlier.status,
            version: earlier.version,
          },
          now,
        );
        const { versions: _versions, statusHistory: _history, ...fields } = doc;
        const res = await Certificates.updateOne(
          { _id: earlier._id, version: earlier.version, status: "cancelled" },
          {
            $set: { ...fields, signature },
            $push: {
              versions: versionEntry,
              statusHistory: statusEntry(
                "cancelled",
                "valid",
                `转籍转回：由${ports.divisionName(src.provinceCode)}转回本省`,
                actor,
                now,
              ),
            },
          },
          { session },
        );
        if (res.matchedCount !== 1) throw errors.conflict("certificate_busy", "证书正被他人修改，请重试");
      } else {
        await Certificates.create([{ ...doc, signature, versions: [versionEntry] }], { session });
      }
      await ports.transfers.recordIssued(session, actor, t.caseId, {
        certificateNo: record.certificateNo,
        version: record.version,
        serial: record.serial,
        issuedAt: record.issuedAt,
        issuingAuthority: record.issuingAuthority,
      });
      await ports.audit.append(session, {
        action: "certificate.issued",
        actor,
        divisionCode: t.division,
        target: { type: "certificate", id: record.certificateNo },
        details: {
          version,
          kind: "transfer",
          caseId: t.caseId,
          fromProvince: src.provinceCode,
          sourceSerial: src.serial,
          sourceKid: src.kid,
          basis: src.basis,
          kid: signature.kid,
        },
      });
      await enqueue(
        conn,
        session,
        "certificate.issued",
        { record, signature, kind: "transfer", flag: earlier ? 2 : 1 },
        `certificate.issued:${record.provinceCode}:${record.certificateNo}:${version}`,
      );
    });
    return record;
  }

  return {
    /** Issues this province's certificate on the agreed transfer `caseId`, once. */
    async issue(actor: AuthUser, caseId: string, input: TransferIssueBody = {}): Promise<CertificateRecord> {
      const t = await ports.transfers.accepted(actor, caseId);
      const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
      const source = await verifiedSource(t, now, input);
      const earlier = await Certificates.findOne({ certificateNo: t.idNumber }).lean<CertificateLean>();
      if (earlier && earlier.status !== "cancelled")
        throw errors.conflict(
          "certificate_exists",
          earlier.status === "valid"
            ? "本省已有该持证人的有效证书，不能因转籍再发"
            : `本省该持证人的证书已被${earlier.status === "revoked" ? "吊销" : "撤销"}，不能因转籍发证`,
        );
      let record: CertificateRecord;
      try {
        const capacity = await slots.capacity();
        record = await withFreeStatusIndex(
          () => issueOnce(actor, t, source, now, earlier, capacity),
          capacity,
        );
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
