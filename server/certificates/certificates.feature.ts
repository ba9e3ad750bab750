import type { ClientSession } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { VerificationResultDto, VerificationWarningCode } from "../contracts/certificates.js";
import type { CandidateDto } from "../contracts/registration.js";
import type { AdmissionTicketDto, SeatMapDto } from "../contracts/scheduling.js";
import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { certificatesRouter } from "./certificate.routes.js";
import { MAX_PDF_QR_ENTRIES, findQrInPdf } from "./crypto/pdf-payload.js";
import { verifyQrText } from "./crypto/verify-qr.js";
import { createIssuanceService, type IssuancePorts } from "./issuance.service.js";
import { createNodeSigning } from "./key-rotation.js";
import { createLifecycleService } from "./lifecycle.service.js";
import { publicStatusReason } from "./lifecycle.js";
import { renderAdmissionTicketPdf } from "./pdf/admission-ticket.pdf.js";
import { renderCertificatePdf } from "./pdf/certificate.pdf.js";
import { renderSeatingPlanPdf } from "./pdf/seating-plan.pdf.js";
import type { CertificateAuditPort } from "./record.js";
import { createTransferIssuance } from "./transfer.service.js";
import type { TransferCasesPort } from "./transfer.ports.js";
import type { HolderHomePort } from "./holder-home.js";
import { certificateModel, statusSlotModel } from "./certificate.model.js";
import { toCertificateDto } from "./presenters.js";
import { heldQualifications, type HeldQualification } from "./qualifications.js";
import { sniffMediaType } from "../lib/media-type.js";
import { chinaDate, formatShown } from "../lib/local-time.js";

type Photo = { mimeType: string; data: Buffer } | null;

export interface CertificatesDeps {
  candidates: {
    getCandidate(id: string): Promise<CandidateDto | null>;
    /** The registration's current photo (the admission ticket's). */
    getCandidatePhoto(id: string): Promise<Photo>;
    /**
     * A registration photo by its id, also one replaced since (registration keeps them): the one a
     * certificate recorded at issue (`photoId`), which its PDF prints.
     */
    getPhoto(photoId: string): Promise<Photo>;
    /**
     * Claims the holder's registration inside the issuing transaction `tx`, only while it is not
     * withdrawn and still holds `expected` (what the certificate copies, as issuance read it).
     */
    claimHolder: IssuancePorts["claimHolder"];
  };
  sessions: {
    getSession(id: string): Promise<{ divisionCode: string } | null>;
    ticketFor(actor: AuthUser, sessionId: string, candidateId: string): Promise<AdmissionTicketDto>;
    myTicket(actor: AuthUser): Promise<AdmissionTicketDto>;
    /** The session's seats as the actor may read them (scope checked by scheduling). */
    seatMap(actor: AuthUser, sessionId: string): Promise<SeatMapDto>;
  };
  /** Exam delivery's publication state: a certificate waits for the official result. */
  results: {
    isPublished(sessionId: string, tx?: ClientSession): Promise<boolean>;
    isOfficialPass(attemptId: string, tx?: ClientSession): Promise<boolean>;
  };
  /**
   * A division's full name (江苏省徐州市鼓楼区), as the certificate prints a holder's address and an
   * issuing authority; null when the code is not a current division.
   */
  divisionName(code: string): string | null;
  access: Access;
  /** The node's audit log: every certificate change and its entry are one transaction. */
  audit: CertificateAuditPort;
  /** The exchange's transfer cases (转籍), for issuance on an agreed transfer; absent on nodes without it. */
  transfers?: TransferCasesPort;
  /**
   * The hub's home of a holder, asked before a first issue (holder-home.ts); absent on a node
   * without a hub (HUB_URL, HUB_PUBLIC_KEY), which issues as before.
   */
  holderHome?: HolderHomePort;
  /** Overrides for tests: a clock, the key directory. */
  clock?: () => Date;
  lapseCheckMs?: number;
  /** How often each instance checks whether the certificate key is due for rotation (hourly by default). */
  keyRotationCheckMs?: number;
  /** Overrides issuance's random status-index draw (tests force a draw). */
  statusIndexSource?: (capacity: number) => number;
}

/**
 * The certificates feature on a province node: subscribes to `exam.passed`, serves the public
 * trust/status lists and verification, the officer API, the PDFs, and runs the hourly lapse check
 * (cancellation 180 days after expiry, once per certificate across instances).
 */
export function createCertificatesFeature(ctx: FeatureContext, deps: CertificatesDeps) {
  const provinceCode = ctx.config.provinceCode ?? "";
  const opts = ctx.config.certificates;
  const clock = deps.clock ?? (() => new Date());
  const audit = deps.audit;
  const { signing, keyRotation } = createNodeSigning(ctx.conn, ctx.config, {
    audit,
    logger: ctx.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const divisionName = (code: string) => deps.divisionName(code) ?? code;
  const issuance = createIssuanceService(ctx.conn, {
    candidate: (id) => deps.candidates.getCandidate(id),
    claimHolder: (id, expected, tx) => deps.candidates.claimHolder(id, expected, tx),
    sessionDivision: async (id) => (await deps.sessions.getSession(id))?.divisionCode ?? null,
    resultsPublished: (id, tx) => deps.results.isPublished(id, tx),
    officialPass: (attemptId, tx) => deps.results.isOfficialPass(attemptId, tx),
    divisionName: (code) => `${divisionName(code)}道路运输管理机构`,
    audit,
    signing,
    provinceCode,
    autoIssue: opts.autoIssue,
    logger: ctx.logger,
    clock,
    ...(deps.statusIndexSource ? { statusIndexSource: deps.statusIndexSource } : {}),
    ...(deps.holderHome ? { holderHome: deps.holderHome } : {}),
  });
  const lifecycle = createLifecycleService(ctx.conn, {
    audit,
    logger: ctx.logger,
    signing,
    renewalWindowDays: opts.renewalWindowDays,
    clock,
  });

  const transfers = deps.transfers
    ? createTransferIssuance(ctx.conn, {
        audit,
        signing,
        transfers: deps.transfers,
        provinceCode,
        divisionName: (code) => `${divisionName(code)}道路运输管理机构`,
        clock,
        timeZone: ctx.config.timeZone,
      })
    : null;

  async function verifyText(text: string): Promise<VerificationResultDto> {
    const now = clock();
    const timeZone = ctx.config.timeZone;
    let result = verifyQrText(text, { ...(await signing.trustContext()), timeZone }, now);
    const issuer = result.claims?.provinceCode;
    // Another province's certificate that no peer list covers: its status is the hub's copy of
    // that province's list. Asked only once the certificate proved authentic, so only provinces on
    // the trust list are ever asked for.
    if (result.authentic && result.status?.state === "unknown" && issuer && issuer !== provinceCode) {
      const withStatus = await signing.trustContext({ recentStatusOf: issuer });
      result = verifyQrText(text, { ...withStatus, timeZone }, now);
    }
    if (!result.authentic || result.claims?.provinceCode !== provinceCode) return result;
    // Taken before `result` is reassigned, which would forget that it has claims.
    const claims = result.claims;
    // For this node's own certificates the registry knows the exact status, reason and time, as of
    // now: how old this node's own (cached) list was says nothing of the answer.
    result = withoutWarning(result, "status_list_stale");
    const doc = await certificateModel(ctx.conn)
      .findOne(
        { certificateNo: claims.certificateNo, statusIndex: claims.statusIndex },
        {
          status: 1,
          statusReason: 1,
          statusChangedAt: 1,
          version: 1,
          issuedAt: 1,
          versions: 1,
        },
      )
      .lean();
    if (!doc) return unrecorded(result, now);
    // The QR must be the very one issued for its version: a QR sealed with this province's key (a
    // key that leaked) for a real number and index, claiming other categories, other dates or a
    // version never issued, would otherwise read as that certificate.
    const issued = doc.versions.find((v) => v.version === claims.version);
    if (!issued || issued.qr.trim() !== text.trim()) return notAsIssued(result, now);
    const state = doc.status;
    // An earlier card of a renewed certificate (or one issued before a category was added): the
    // holder was given the newer card and the older one is no longer the certificate.
    if (state === "valid" && result.code === "valid" && claims.version < doc.version) {
      return {
        ...result,
        ok: false,
        code: "superseded",
        message: `这是第 ${claims.version} 版证书，已由 ${formatShown(doc.issuedAt, timeZone)} 换发的第 ${doc.version} 版取代，请以新版证书为准`,
        status: {
          state,
          asOf: now.toISOString(),
          source: "registry" as const,
          reason: null,
          changedAt: doc.statusChangedAt.toISOString(),
        },
      };
    }
    const status = {
      state,
      asOf: now.toISOString(),
      source: "registry" as const,
      reason: publicStatusReason(doc.statusReason),
      changedAt: doc.statusChangedAt.toISOString(),
    };
    if (state === "valid") return { ...result, status };
    const label = { cancelled: "注销", revoked: "吊销", withdrawn: "撤销" }[state];
    const statusDecides = result.code === "valid" || result.code === "status_not_valid";
    return {
      ...result,
      ok: false,
      code: statusDecides ? "status_not_valid" : result.code,
      message: statusDecides
        ? `证书已于 ${formatShown(status.changedAt, timeZone)} ${label}${status.reason ? `（${status.reason}）` : ""}`
        : result.message,
      status,
    };
  }

  /** `result` less its warnings of `code` (the words and the code alike). */
  function withoutWarning(result: VerificationResultDto, code: VerificationWarningCode): VerificationResultDto {
    const kept = result.warningCodes.flatMap((c, i) => (c === code ? [] : [i]));
    return {
      ...result,
      warnings: kept.flatMap((i) => result.warnings[i] ?? []),
      warningCodes: kept.flatMap((i) => result.warningCodes[i] ?? []),
    };
  }

  /**
   * This node's own certificate that no record matches. An earlier card whose index its certificate
   * left (a reissue, a transfer back) has a retired slot: the status list holds that index's final
   * status, so its verdict stands. With no slot either the node never issued it: a QR signed with
   * a leaked key, whatever the list's unused index (0: valid) says, is no certificate.
   */
  async function unrecorded(result: VerificationResultDto, now: Date): Promise<VerificationResultDto> {
    const claims = result.claims;
    if (!claims) return result;
    const slot = await statusSlotModel(ctx.conn).exists({
      statusIndex: claims.statusIndex,
      certificateNo: claims.certificateNo,
    });
    if (slot) return result;
    return {
      ...result,
      ok: false,
      authentic: false,
      code: "unknown_certificate",
      message: `${divisionName(provinceCode)}没有该证书的签发记录：二维码由本省签名密钥签名，但证号 ${claims.certificateNo} 从未以此状态位签发，可能是伪造证书，请核实持证人身份`,
      status: {
        state: "unknown",
        asOf: now.toISOString(),
        source: "registry",
        reason: null,
        changedAt: null,
      },
    };
  }

  /** A QR of a certificate this node issued that is not what it issued for that version. */
  function notAsIssued(result: VerificationResultDto, now: Date): VerificationResultDto {
    const claims = result.claims;
    return {
      ...result,
      ok: false,
      authentic: false,
      code: "unknown_certificate",
      message: `${divisionName(provinceCode)}签发的证号 ${claims?.certificateNo ?? ""} 第 ${claims?.version ?? "?"} 版与二维码内容不符（从业资格类别、有效期或版本与签发记录不同）：二维码由本省签名密钥签名，但不是本省签发的证书，可能是伪造证书，请核实持证人身份`,
      status: { state: "unknown", asOf: now.toISOString(), source: "registry", reason: null, changedAt: null },
    };
  }

  const facade = {
    signing,
    keyRotation,
    issuance,
    lifecycle,
    transfers,
    verifyText,
    /**
     * What this node has certified the person for (registration's qualifications port): the
     * categories of their valid, in-date certificate, each from the day it was first issued. An
     * officer registering them then need not retype them, and cannot register a category they hold.
     * Validity dates are China's calendar days (what the certificate prints and `isLapsed` reads),
     * whatever zone the node displays in.
     */
    async qualificationsOf(idNumber: string): Promise<HeldQualification[]> {
      const today = chinaDate(clock());
      return (await heldQualifications(ctx.conn, [idNumber], today)).get(idNumber) ?? [];
    },
    /**
     * `qualificationsOf` for many people in one read (a registration import of up to 2,000 rows
     * asked once per row inside its transaction); the same read (qualifications.ts).
     */
    async qualificationsOfMany(idNumbers: string[]): Promise<ReadonlyMap<string, HeldQualification[]>> {
      return heldQualifications(ctx.conn, idNumbers, chinaDate(clock()));
    },
    async verifyPdf(bytes: Buffer): Promise<VerificationResultDto> {
      const base = {
        ok: false,
        authentic: false,
        warnings: [],
        warningCodes: [],
        trust: null,
        claims: null,
        status: null,
      };
      if (sniffMediaType(bytes) !== "application/pdf")
        return { ...base, code: "not_roadcert_certificate", message: "上传的文件不是 PDF" };
      const found = findQrInPdf(bytes);
      if (!found.ok)
        return {
          ...base,
          code: "not_roadcert_certificate",
          message: `PDF 中的证书数据超过 ${MAX_PDF_QR_ENTRIES} 处，不是 roadcert 生成的证书文件`,
        };
      const text = found.text;
      if (!text)
        return {
          ...base,
          code: "qr_not_found",
          message: "PDF 中没有 roadcert 证书数据；扫描件请上传图片或用摄像头扫码",
        };
      return verifyText(text);
    },
    async certificatePdf(actor: AuthUser, certificateNo: string): Promise<Buffer> {
      const doc = await lifecycle.get(actor, certificateNo);
      const dto = toCertificateDto(doc, lifecycle.renewalOf(doc));
      return renderCertificatePdf({
        record: dto.record,
        qr: dto.qr,
        // The photo the certificate was issued with, not the registration's current one.
        photo: doc.photoId ? await deps.candidates.getPhoto(doc.photoId) : null,
        addressName: divisionName(dto.record.holder.addressDivisionCode),
      });
    },
    /** The printable seating plan and sign-in sheet of a session (the node's PDFs are rendered here). */
    async seatingPlanPdf(actor: AuthUser, sessionId: string): Promise<Buffer> {
      return renderSeatingPlanPdf({
        map: await deps.sessions.seatMap(actor, sessionId),
        timeZone: ctx.config.timeZone,
        preparedAt: new Date(Math.floor(clock().getTime() / 1000) * 1000),
      });
    },
    async ticketPdf(
      actor: AuthUser,
      which: { sessionId: string; candidateId: string } | null,
    ): Promise<Buffer> {
      const ticket = which
        ? await deps.sessions.ticketFor(actor, which.sessionId, which.candidateId)
        : await deps.sessions.myTicket(actor);
      if (!ticket) throw errors.notFound("准考证");
      return renderAdmissionTicketPdf({
        ticket,
        photo: await deps.candidates.getCandidatePhoto(ticket.candidateId),
        timeZone: ctx.config.timeZone,
        // When it was printed, as the seating plan: the exam's start named a PDF made days before it.
        preparedAt: new Date(Math.floor(clock().getTime() / 1000) * 1000),
      });
    },
  };

  const timers: NodeJS.Timeout[] = [];
  const lapseCheck = () => {
    lifecycle
      .cancelLapsed()
      .catch((err: unknown) => ctx.logger.warn({ err }, "certificate lapse check failed"));
  };
  // Not at start but ten minutes in (or one interval, if shorter), then every interval: a node
  // started only briefly (a script, a test) never rotates keys made long ago, and one redeployed
  // more often than hourly still checks (a key's lead is days; minutes are nothing).
  const rotationCheck = () => {
    keyRotation
      .rotateIfDue()
      .catch((err: unknown) =>
        ctx.logger.warn({ err }, "scheduled certificate key rotation failed; the next check retries"),
      );
  };
  const feature: Feature = {
    name: "certificates",
    router: certificatesRouter(facade, deps.access),
    async start() {
      await signing.start();
      ctx.events.subscribe("exam.passed", (e) => issuance.onExamPassed(e));
      ctx.events.subscribe("exam.voided", (e) => issuance.onExamVoided(e));
      ctx.events.subscribe("exam.results_published", (e) => issuance.onResultsPublished(e.sessionId));
      const rotationEvery = deps.keyRotationCheckMs ?? 3_600_000;
      timers.push(setInterval(lapseCheck, deps.lapseCheckMs ?? 3_600_000), setInterval(rotationCheck, rotationEvery));
      // A first check ten minutes after start, unless the interval's own first tick comes as soon.
      if (rotationEvery > 600_000) timers.push(setTimeout(rotationCheck, 600_000));
      for (const t of timers) t.unref();
      if (opts.keyLifetimeMs > 0 && opts.keyLifetimeMs <= opts.rotationLeadMs)
        ctx.logger.warn(
          { keyLifetimeMs: opts.keyLifetimeMs, rotationLeadMs: opts.rotationLeadMs },
          "CERT_KEY_LIFETIME_DAYS is not longer than CERT_KEY_ROTATION_LEAD_HOURS: every certificate key is rotated as soon as it starts signing",
        );
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
  };
  return { feature, facade };
}
export type CertificatesFacade = ReturnType<typeof createCertificatesFeature>["facade"];
