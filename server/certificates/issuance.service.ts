import type { ClientSession, Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type { CertificateRecord, IssuanceListQuery } from "../contracts/certificates.js";
import type { CandidateDto } from "../contracts/registration.js";
import { errors } from "../lib/errors.js";
import { canSeeDivision, divisionFilter } from "../access/index.js";
import { certificateModel, issuanceModel, type IssuanceDoc } from "./certificate.model.js";
import { issueOnto, validityEnd } from "./lifecycle.js";
import {
  actorName,
  statusEntry,
  enqueue,
  sealAndSign,
  versionEntryFor,
  toRecord,
  createStatusSlots,
  withFreeStatusIndex,
  type Actor,
  type CertificateAuditPort,
} from "./record.js";
import type { Logger } from "../lib/logger.js";
import type { SigningService } from "./signing.service.js";
import { isDuplicateKey, newestPage } from "../lib/mongo.js";
import { createIssuanceEvents } from "./issuance-events.js";
import { assertNamePrintable } from "./pdf/fonts.js";
import { chinaDate } from "../lib/local-time.js";
import { createHomeCheck, type HolderHomePort } from "./holder-home.js";

/** What a certificate copies of the holder's registration (registration's `claimHolder` checks it). */
export interface HolderFacts {
  name: string;
  idNumber: string;
  sex: "male" | "female";
  birthDate: string;
  addressDivisionCode: string;
  licenceClass: string | null;
  licenceFirstIssuedOn: string | null;
  photoId: string | null;
}

export interface IssuancePorts {
  candidate(candidateId: string): Promise<CandidateDto | null>;
  /**
   * Claims the registration inside the issuing transaction `tx` by a write conditional on it not
   * being withdrawn and still holding `expected`: what it answers when it does not.
   */
  claimHolder(
    candidateId: string,
    expected: HolderFacts,
    tx: ClientSession,
  ): Promise<"claimed" | "missing" | "withdrawn" | "changed">;
  sessionDivision(sessionId: string): Promise<string | null>;
  /** Whether the session's results are published; read inside the issuing transaction `tx`. */
  resultsPublished(sessionId: string, tx?: ClientSession): Promise<boolean>;
  /** Whether the attempt holds an official (published) passing result; read inside `tx`. */
  officialPass(attemptId: string, tx?: ClientSession): Promise<boolean>;
  divisionName(code: string): string;
  audit: CertificateAuditPort;
  signing: SigningService;
  provinceCode: string;
  autoIssue: boolean;
  /** Where a failed automatic issue is reported (the issuance stays pending for an officer). */
  logger?: Pick<Logger, "warn">;
  onOutbox?: () => void;
  clock?: () => Date;
  /** Overrides the random status-index draw (tests force a draw). */
  statusIndexSource?: (capacity: number) => number;
  /** The hub's home of a holder before a first issue (holder-home.ts); absent on a node without a hub. */
  holderHome?: HolderHomePort;
}

export type IssuanceLean = IssuanceDoc & { _id: unknown };

/** Issuances one page of the officer's list holds. */
const ISSUANCE_PAGE = 200;

/**
 * Issuance: `exam.passed` → a pending issuance (one per attempt, whatever the deliveries) → once
 * the session's results are published (成绩发布, the official result), an officer of the session's
 * division issues it (or the node does, when configured to, as publication is announced). Issuing
 * is one transaction: the publication check, the issuance's pending → issued switch (conditional,
 * so it happens once), the claim of the holder's registration (conditional on what was copied),
 * the certificate's new version (conditional on the version read), the audit entry and the
 * `certificate.issued` outbox entry.
 */
export function createIssuanceService(conn: Connection, ports: IssuancePorts) {
  const Issuances = issuanceModel(conn);
  const Certificates = certificateModel(conn);
  const slots = createStatusSlots(conn, ports.provinceCode, ports.statusIndexSource);
  const clock = ports.clock ?? (() => new Date());

  function assertScope(actor: Actor, divisionCode: string): void {
    if ("divisionCode" in actor && !canSeeDivision(actor.divisionCode, divisionCode))
      throw errors.notFound("待发证记录");
  }

  function refuseUnpublished(): never {
    throw errors.conflict("results_not_published", "该场次成绩尚未发布，成绩发布后才能发证");
  }

  /**
   * The registration read before sealing, claimed again inside the issuing transaction: a
   * withdrawal or a correction (allowed once the session ended) committed after that read, or
   * racing this transaction, would otherwise leave a certificate issued to a withdrawn registration
   * or printed with the name just corrected (write skew: the transaction never touched it).
   */
  async function claimHolder(candidateId: string, c: CandidateDto, session: ClientSession): Promise<void> {
    const expected: HolderFacts = {
      name: c.name,
      idNumber: c.idNumber,
      sex: c.sex,
      birthDate: c.birthDate,
      addressDivisionCode: c.addressDivisionCode,
      licenceClass: c.licenceClass,
      licenceFirstIssuedOn: c.licenceFirstIssuedOn,
      photoId: c.photoId,
    };
    const claimed = await ports.claimHolder(candidateId, expected, session);
    if (claimed === "missing") throw errors.unprocessable("holder_missing", "找不到考生报名信息，无法发证");
    if (claimed === "withdrawn") throw errors.conflict("candidate_withdrawn", "该考生已撤销报名，不能发证");
    if (claimed === "changed")
      throw errors.conflict("holder_changed", "该考生的报名信息刚被更正，请重新发证以使用更正后的信息");
  }

  /**
   * Writes on a pass left pending why it cannot be issued: refused during automatic issue, the
   * refusal reached only the log, and the officer's list showed the pass waiting with no reason.
   */
  async function noteWhyPending(pending: IssuanceLean, reason: string): Promise<void> {
    await Issuances.updateOne({ _id: pending._id, status: "pending" }, { $set: { reason } });
  }

  const assertHomeHere = createHomeCheck(conn, ports, noteWhyPending);

  async function issue(actor: Actor, issuanceId: string): Promise<CertificateRecord> {
    const pending = await Issuances.findById(issuanceId).lean<IssuanceLean>();
    if (!pending) throw errors.notFound("待发证记录");
    assertScope(actor, pending.divisionCode);
    if (pending.status !== "pending") throw errors.conflict("issuance_decided", "该记录已处理");
    if (!(await ports.resultsPublished(pending.sessionId))) refuseUnpublished();
    const candidate = await ports.candidate(pending.candidateId);
    if (!candidate) throw errors.unprocessable("holder_missing", "找不到考生报名信息，无法发证");
    // A registration withdrawn after the pass (or mid-sitting, before that was refused) is no holder.
    if (candidate.withdrawn) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名，不能发证");
    assertNamePrintable(candidate.name);
    await assertHomeHere(actor, pending);
    const capacity = await slots.capacity();
    const once = () => withFreeStatusIndex(() => issueOnce(actor, pending, candidate, capacity), capacity);
    // Two categories of one new holder issued at once both read "no certificate yet" before their
    // transactions; the second insert then meets the certificate the first committed (E11000 on
    // certificateNo: committed before this transaction began, so no retried WriteConflict). Issued
    // again, it reads that certificate and adds its category to it, as if it had come second.
    return once().catch((err: unknown) => {
      if (!isDuplicateKey(err, "certificateNo")) throw err;
      return once();
    });
  }

  async function issueOnce(
    actor: Actor,
    pending: IssuanceLean,
    candidate: CandidateDto,
    capacity: number,
  ): Promise<CertificateRecord> {
    const now = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const today = chinaDate(now);
    const existing = await Certificates.findOne({ certificateNo: pending.idNumber }).lean();
    const category = {
      code: pending.categoryCode,
      name: CATEGORIES[pending.categoryCode as CategoryCode] ?? pending.categoryCode,
      firstIssuedOn: today,
      attemptId: pending.attemptId,
      chainHash: pending.chainHash,
    };
    const onto = issueOnto(
      existing && {
        status: existing.status,
        validTo: existing.validTo,
        categoryCodes: existing.categories.map((c) => c.code),
        transferredTo: existing.supersededBy && {
          authority: ports.divisionName(existing.supersededBy.provinceCode),
          serial: existing.supersededBy.serial,
        },
      },
      pending.categoryCode,
      today,
    );
    if (onto.refusal?.code === "holder_transferred_away") await noteWhyPending(pending, onto.refusal.message);
    if (onto.refusal) throw errors.conflict(onto.refusal.code, onto.refusal.message);
    const { kind } = onto;
    const version = (existing?.version ?? 0) + 1;
    // A category added keeps the certificate's dates and status index; a first issue and a reissue
    // start them afresh. A reissue keeps the document (one per ID number) but draws a new index and
    // retires the old one with the status it ended with: the earlier card, cancelled, carries the
    // old index, and a verifier holding only the status list read it valid again when the index
    // was kept (record.ts, createStatusSlots).
    const added = kind === "category_added" && existing;
    const base = added
      ? existing
      : {
          provinceCode: ports.provinceCode,
          certificateNo: pending.idNumber,
          candidateId: pending.candidateId,
          categories: [],
          firstIssuedOn: today,
          validFrom: today,
          validTo: validityEnd(today),
          status: "valid" as const,
          statusReason: null,
          statusChangedAt: now,
          statusIndex: slots.draw(capacity, existing?.statusIndex),
        };
    const drawn = added ? null : base.statusIndex;
    const doc = {
      ...base,
      holder: {
        name: candidate.name,
        sex: candidate.sex,
        birthDate: candidate.birthDate,
        idNumber: candidate.idNumber,
        nationality: "中国",
        addressDivisionCode: candidate.addressDivisionCode,
        // A holder who does not drive (装卸管理人员, 押运人员 only) has no licence to name.
        ...(candidate.licenceClass && candidate.licenceFirstIssuedOn
          ? { licenceClass: candidate.licenceClass, licenceFirstIssuedOn: candidate.licenceFirstIssuedOn }
          : {}),
      },
      // The PDF draws the photo of the certificate's candidate: a category added from another
      // registration (one who came by transfer has none here) names it, not only its photo.
      candidateId: pending.candidateId,
      photoId: candidate.photoId,
      categories: [...base.categories, category],
      issuingAuthority: {
        divisionCode: pending.divisionCode,
        name: ports.divisionName(pending.divisionCode),
      },
      divisionCode: pending.divisionCode,
      version,
      issuedAt: now,
    };
    const record = toRecord(doc as Parameters<typeof toRecord>[0]);
    const signature = await sealAndSign(ports.signing, record, pending.chainHash);
    const versionEntry = versionEntryFor(record, signature, { version, kind, at: now, by: actorName(actor) });

    await ports.audit.transaction(async (session) => {
      // Checked again inside the write: the certificate rests on the official result, never on a
      // provisional one (a publication is never taken back, so what is read here stays true).
      // One read on the way that issues: an official passing result exists only once published;
      // without one, publication says which refusal it is (a pass voided before it has none).
      if (!(await ports.officialPass(pending.attemptId, session))) {
        if (!(await ports.resultsPublished(pending.sessionId, session))) refuseUnpublished();
        throw errors.conflict("pass_voided", "该考试记录已作废或不是合格成绩，不能发证");
      }
      const decided = await Issuances.updateOne(
        { _id: pending._id, status: "pending" },
        {
          $set: {
            status: "issued",
            decidedBy: actorName(actor),
            decidedAt: now,
            certificateVersion: version,
            // A note of why it waited (noteWhyPending) no longer holds once issued.
            reason: null,
          },
        },
        { session },
      );
      if (decided.matchedCount !== 1) throw errors.conflict("issuance_decided", "该记录已处理");
      await claimHolder(pending.candidateId, candidate, session);
      if (drawn !== null) await slots.claim(session, drawn, record.certificateNo, now);
      if (existing && drawn !== null)
        await slots.retire(
          session,
          {
            statusIndex: existing.statusIndex,
            certificateNo: existing.certificateNo,
            status: existing.status,
            version: existing.version,
          },
          now,
        );
      if (existing) {
        const changes = {
          holder: doc.holder,
          candidateId: doc.candidateId,
          photoId: doc.photoId,
          categories: doc.categories,
          issuingAuthority: doc.issuingAuthority,
          divisionCode: doc.divisionCode,
          version,
          issuedAt: now,
          signature,
        };
        const reissued =
          kind === "reissue"
            ? {
                firstIssuedOn: doc.firstIssuedOn,
                validFrom: doc.validFrom,
                validTo: doc.validTo,
                status: "valid" as const,
                statusReason: null,
                statusChangedAt: now,
                statusIndex: doc.statusIndex,
                supersededBy: null,
                transferredFrom: null,
              }
            : {};
        const backToValid = statusEntry(
          existing.status,
          "valid",
          `考试合格，重新发证（${doc.categories[0]?.name ?? pending.categoryCode}）`,
          actor,
          now,
        );
        const res = await Certificates.updateOne(
          // The status read: a lapse cancellation or a revocation landing meanwhile wins.
          { _id: existing._id, version: existing.version, status: existing.status },
          {
            $set: { ...changes, ...reissued },
            $push: {
              versions: versionEntry,
              ...(existing.status === "valid" ? {} : { statusHistory: backToValid }),
            },
          },
          { session },
        );
        if (res.matchedCount !== 1) throw errors.conflict("certificate_busy", "证书正被他人修改，请重试");
      } else {
        await Certificates.create([{ ...doc, signature, versions: [versionEntry], statusHistory: [] }], {
          session,
        });
      }
      await ports.audit.append(session, {
        action: "certificate.issued",
        actor,
        divisionCode: pending.divisionCode,
        target: { type: "certificate", id: record.certificateNo },
        details: {
          version,
          kind,
          categoryCode: pending.categoryCode,
          attemptId: pending.attemptId,
          kid: signature.kid,
        },
      });
      await enqueue(
        conn,
        session,
        "certificate.issued",
        { record, signature, kind, flag: existing ? 2 : 1 },
        `certificate.issued:${record.provinceCode}:${record.certificateNo}:${version}`,
      );
    });
    ports.onOutbox?.();
    return record;
  }

  return {
    ...createIssuanceEvents(conn, ports, issue),
    issue,
    async reject(actor: AuthUser, issuanceId: string, reason: string): Promise<void> {
      const pending = await Issuances.findById(issuanceId).lean<IssuanceLean>();
      if (!pending) throw errors.notFound("待发证记录");
      assertScope(actor, pending.divisionCode);
      await ports.audit.transaction(async (session) => {
        const res = await Issuances.updateOne(
          { _id: pending._id, status: "pending" },
          { $set: { status: "rejected", decidedBy: actor.displayName, decidedAt: clock(), reason } },
          { session },
        );
        if (res.matchedCount !== 1) throw errors.conflict("issuance_decided", "该记录已处理");
        await ports.audit.append(session, {
          action: "certificate.issuance_rejected",
          actor,
          divisionCode: pending.divisionCode,
          target: { type: "certificate_issuance", id: issuanceId },
          details: { reason, attemptId: pending.attemptId },
        });
      });
    },
    /**
     * A page of the issuances of a status in the actor's divisions, newest pass first, how many
     * there are in all and where the next page starts: past the first page the oldest pending
     * passes, the ones waiting longest, were out of reach.
     */
    async page(
      actor: AuthUser,
      query: IssuanceListQuery,
    ): Promise<{ issuances: IssuanceLean[]; total: number; next: string | null }> {
      const filter = { status: query.status, ...divisionFilter(actor.divisionCode) };
      const order = { time: "passedAt", tie: "_id" };
      const found = await newestPage(Issuances, filter, order, query.before, ISSUANCE_PAGE);
      return { issuances: found.rows as IssuanceLean[], total: found.total, next: found.next };
    },
  };
}
export type IssuanceService = ReturnType<typeof createIssuanceService>;
