import { createAccess } from "./access/index.js";
import type { CategoryCode } from "./contracts/categories.js";
import type { AttemptClosedDto } from "./contracts/exams.js";
import { createAuditFeature, createAuditService, type AuditReferenceNames } from "./audit/index.js";
import { createAuthService, createIdentityFeature } from "./auth/index.js";
import { createCertificatesFeature, type HolderHomePort } from "./certificates/index.js";
import type { Feature, FeatureContext } from "./feature.js";
import { createDatabaseClock } from "./lib/database-clock.js";
import { reportNodeStatus, systemInfoFeature, systemSocketFeature } from "./health/index.js";
import {
  createExchangeHubFeature,
  createExchangeProvinceFeature,
  type ProvinceExchangeService,
  type TransferSource,
  createExchangeStats,
} from "./exchange/index.js";
import { createHubFeature } from "./hub/index.js";
import {
  createNodeKeyPinFeature,
  createSharingFeature,
  hasHub,
  loadOrCreateNodeKey,
  type SharingFeature,
} from "./sharing/index.js";
import {
  createOrganisationFeature,
  createOrganisationService,
  divisionFullName,
  divisionName,
  seatNames,
  type RoomUsePort,
} from "./organisation/index.js";
import { attemptNames, createExamsFeature, type PaperPort } from "./exams/index.js";
import { createProctoringFeature } from "./proctoring/index.js";
import { questionBankFeature } from "./question-bank/index.js";
import {
  candidateNames,
  createRegistrationFeature,
  createRegistrationService,
  type OpenSeatPort,
  type QualificationsOfManyPort,
  type QualificationsPort,
} from "./registration/index.js";
import {
  createPinnedBlueprints,
  createSchedulingFeature,
  createSchedulingService,
  sessionReferences,
  type RetakeBlockers,
  type RetakeCheck,
  type SchedulingOptions,
} from "./scheduling/index.js";

/**
 * Identity over organisation and scheduling (a candidate logs in with the ticket scheduling issued,
 * at a seat of organisation's), and who may do what, asked by every route and socket handler: the
 * live account from identity, a session's scope from scheduling. Built here once for the node and
 * for the demo's past (scripts/demo-history.ts), which runs the same services on a clock of its own.
 */
export function createIdentityAndAccess(
  conn: FeatureContext["conn"],
  deps: {
    provinceCode: FeatureContext["config"]["provinceCode"];
    audit: ReturnType<typeof createAuditService>;
    organisation: ReturnType<typeof createOrganisationService>;
    scheduling: ReturnType<typeof createSchedulingService>;
    /** Exam delivery's answer to how long a candidate is still sitting (absent: until the nominal end). */
    sittingUntil?: (sessionId: string, candidateId: string) => Promise<Date | null>;
    /** Exam delivery's clock (the database's): login windows and lockouts are judged on it too. */
    now?: () => Date;
    logger?: FeatureContext["logger"];
    /** Staff password checks at once (config LOGIN_PASSWORD_CHECKS_MAX; absent: identity's default). */
    maxPasswordChecks?: number;
  },
) {
  const { organisation, scheduling } = deps;
  const auth = createAuthService(conn, {
    provinceCode: deps.provinceCode,
    maxPasswordChecks: deps.maxPasswordChecks,
    audit: deps.audit,
    logger: deps.logger,
    now: deps.now,
    candidates: {
      findTicket: (ticketNo) => scheduling.findTicket(ticketNo),
      findLoginSeat: (centreId, roomId, from) => organisation.findLoginSeat(centreId, roomId, from),
      testCentreDivision: (id) => organisation.testCentreDivision(id),
      sittingUntil: (sessionId, candidateId) =>
        deps.sittingUntil?.(sessionId, candidateId) ?? Promise.resolve(null),
    },
  });
  const access = createAccess({
    currentAccount: (actor) => auth.currentAccount(actor),
    sessionScope: (sessionId) => scheduling.getSession(sessionId),
  });
  return { auth, access };
}

/**
 * The features this node runs, in mounting order (identity first: its session middleware must run
 * before any other router). Each feature is reached only through its own index.ts.
 */
export function createFeatures(ctx: FeatureContext): Feature[] {
  const { conn, config } = ctx;
  // The node key, loaded once for every feature that signs with it and for its pin: the pin checks
  // the very key the node signs with, not a second read of the folder.
  const nodeKey = loadOrCreateNodeKey(config.nodeKey.dir);
  // The features that own what audit details name by id (sessions, candidates…) fill this in below.
  const auditNames: AuditReferenceNames = {};
  const audit = createAuditService(conn, { divisionName, references: auditNames });
  // One audit log per node: services write their entries inside their changes' transactions.
  // Retiring a room asks scheduling whether sessions still use it (set once scheduling exists).
  const roomUse: { port?: RoomUsePort } = {};
  const organisation = createOrganisationService(conn, config.provinceCode, audit, {
    roomUse: () => roomUse.port,
    timeZone: config.timeZone,
  });
  // Correcting a name or withdrawing asks scheduling whether the candidate holds a seat (set below).
  const openSeat: { port?: OpenSeatPort } = {};
  // Qualifications this node certified (set once certificates exist): eligibility reads them.
  const qualifications: { of?: QualificationsPort; ofMany?: QualificationsOfManyPort } = {};
  const registration = createRegistrationService(conn, {
    provinceCode: config.provinceCode,
    audit,
    timeZone: config.timeZone,
    qualificationsOf: (idNumber) => qualifications.of?.(idNumber) ?? Promise.resolve([]),
    // One read per import instead of one per row; a node without certificates holds nothing.
    qualificationsOfMany: (idNumbers) => qualifications.ofMany?.(idNumbers) ?? Promise.resolve(new Map()),
    openSeat: () => openSeat.port,
  });
  // Set by the exam feature (retake policy); scheduling asks it lazily, so the two can be built in any order.
  let retakeCheck: RetakeCheck | undefined;
  let retakeBlockersOf: RetakeBlockers | undefined;
  let currentBlueprint: SchedulingOptions["currentBlueprint"];
  let publishedAmong: ((sessionIds: string[]) => Promise<Set<string>>) | undefined;
  let passedCandidates: ((categoryCode: CategoryCode) => Promise<Set<string>>) | undefined;
  let sittingUntil: ((sessionId: string, candidateId: string) => Promise<Date | null>) | undefined;
  let sittingsUntil: ((candidateId: string, sessionIds: string[]) => Promise<Map<string, Date>>) | undefined;
  // Exam delivery's clock (set once it exists): identity decides login windows and lockouts on it.
  let deliveryNow: (() => Date) | undefined;
  // How a candidate's attempt closed (set once exam delivery exists): told to a page refused after it.
  let closedAttempt:
    ((sessionId: string, candidateId: string) => Promise<AttemptClosedDto | null>) | undefined;
  const scheduling = createSchedulingService(conn, {
    provinceCode: config.provinceCode,
    organisation,
    registration,
    audit,
    roomReserveMinutes: config.exam.roomReserveMinutes,
    timeZone: config.timeZone,
    publishedAmong: (ids) => publishedAmong?.(ids) ?? Promise.resolve(new Set<string>()),
    retakeCheck: (candidateId, session) => retakeCheck?.(candidateId, session) ?? Promise.resolve(),
    retakeBlockersOf: (candidateIds, session) =>
      retakeBlockersOf?.(candidateIds, session) ?? Promise.resolve(new Map()),
    currentBlueprint: (categoryCode) => currentBlueprint?.(categoryCode) ?? Promise.resolve(null),
    passedCandidates: (categoryCode) =>
      passedCandidates?.(categoryCode) ?? Promise.resolve(new Set<string>()),
    // A withdrawal asks whether the candidate is still sitting past the nominal end (openSeatOf).
    sittingsUntil: (candidateId, sessionIds) =>
      sittingsUntil?.(candidateId, sessionIds) ?? Promise.resolve(new Map<string, Date>()),
    // Exam delivery's clock (the database's), so scheduling's own times (a start in the past, a
    // session's lifecycle, admissions) agree with releases and deadlines on every instance. A
    // release passes its own reading to claimScheduled.
    now: () => deliveryNow?.() ?? new Date(),
  });

  openSeat.port = (candidateId, session) => scheduling.openSeatOf(candidateId, session);
  roomUse.port = {
    openSessions: (roomIds, at, session) => scheduling.openSessions(roomIds, at, session),
    renameInSessions: (where, names, at, session) => scheduling.renameInSessions(where, names, at, session),
  };

  // The hub runs no exam delivery, whose database clock identity reads on a province node: identity
  // runs one of its own there, so a hub lockout lasts as long on every instance.
  const hubClock = config.role === "hub" ? createDatabaseClock(conn, { logger: ctx.logger }) : undefined;
  const { auth, access } = createIdentityAndAccess(conn, {
    provinceCode: config.provinceCode,
    maxPasswordChecks: config.auth.maxPasswordChecks,
    logger: ctx.logger,
    audit,
    organisation,
    scheduling,
    sittingUntil: (sessionId, candidateId) => sittingUntil?.(sessionId, candidateId) ?? Promise.resolve(null),
    now: () => deliveryNow?.() ?? hubClock?.now() ?? new Date(),
  });

  const features: Feature[] = [
    createIdentityFeature(ctx, {
      auth,
      access,
      clock: hubClock,
      closedAttempt: (sessionId, candidateId) =>
        closedAttempt?.(sessionId, candidateId) ?? Promise.resolve(null),
    }),
    // Before every feature that signs with the node key: a production instance holding another
    // key than the one the node's database recorded refuses to start.
    createNodeKeyPinFeature(ctx, { key: nodeKey, audit }),
    createAuditFeature(audit, access),
    createOrganisationFeature(organisation, access),
    systemSocketFeature(),
    systemInfoFeature(config, () => features.map((f) => f.name)),
  ];
  // The exchange interface first: its signed routes under /api/hub/v1/exchange must not reach the
  // hub feature's gate, which would reserve their nonces before the exchange's gate sees them.
  if (config.role === "hub")
    features.push(
      createExchangeHubFeature(ctx, { access, key: nodeKey }),
      // The monthly report counts the exchange's cases through its read API, and publishes a month
      // only once its last case's deadline has passed (the longest one).
      createHubFeature(ctx, {
        access,
        audit,
        exchangeFacts: {
          ...createExchangeStats(conn),
          longestAnswerHours: Math.max(...Object.values(config.exchange.ackHours)),
        },
        key: nodeKey,
      }),
    );
  // Registration, scheduling, question banks and exam delivery are a province's business; the hub
  // only shares records.
  if (config.role === "province") {
    features.push(
      createRegistrationFeature(registration, access),
      createSchedulingFeature(scheduling, access),
    );
    auditNames.session = sessionReferences(conn, config.timeZone);
    auditNames.candidate = candidateNames(conn);
    auditNames.seat = seatNames(conn);
    auditNames.attempt = attemptNames(conn);
    // A retirement, quarantine or approval that would leave a blueprint a session pinned short is
    // refused: the bank asks scheduling which versions sessions not yet over pinned.
    const bank = questionBankFeature(ctx, { audit, access, pinnedBlueprints: createPinnedBlueprints(conn) });
    features.push(bank);
    // Exam delivery: papers from the bank at check-in, sessions from scheduling; it feeds the bank's
    // item statistics and answers scheduling's retake check.
    const papers: PaperPort = {
      buildPaper: (input) => bank.service.buildPaper(input),
      policies: async (ref) => {
        const bp = await bank.service.getBlueprint(ref.id, ref.version);
        return { retake: bp.retake, accommodations: bp.accommodations };
      },
      currentBlueprint: async (categoryCode) => {
        const bp = await bank.service.getCurrentBlueprint(categoryCode);
        return bp ? { id: bp.id, version: bp.version, minutes: bp.minutes } : null;
      },
    };
    const delivery = createExamsFeature(ctx, {
      scheduling,
      audit,
      access,
      papers,
      // A seat back online may end a room-wide outage: the console then proposes the credit.
      onSeatBack: (sessionId) => {
        void room.proctoring
          .checkOutage(sessionId)
          .catch((err: unknown) => ctx.logger.warn({ err }, "outage check failed"));
      },
    });
    bank.service.useResponses((categoryCode) => delivery.exams.itemResponses(categoryCode));
    bank.service.usePaperImages((candidateId, sessionId, imageId) =>
      delivery.exams.paperShowsImage(candidateId, sessionId, imageId),
    );
    retakeCheck = (candidateId, session) => delivery.exams.retakeCheck(candidateId, session);
    retakeBlockersOf = (candidateIds, session) => delivery.exams.retakeBlockersOf(candidateIds, session);
    currentBlueprint = (categoryCode) => papers.currentBlueprint(categoryCode);
    publishedAmong = (ids) => delivery.results.publishedAmong(ids);
    passedCandidates = (categoryCode) => delivery.exams.passedCandidates(categoryCode);
    sittingUntil = (sessionId, candidateId) => delivery.exams.sittingUntil(sessionId, candidateId);
    sittingsUntil = (candidateId, sessionIds) => delivery.exams.sittingsUntil(candidateId, sessionIds);
    deliveryNow = delivery.now;
    closedAttempt = (sessionId, candidateId) => delivery.exams.closedView(sessionId, candidateId);
    // The proctor console works on exam delivery through its narrow port and pushes through its notifier.
    const room = createProctoringFeature(ctx, {
      exams: delivery.exams,
      scheduling,
      audit,
      access,
      notifier: delivery.notifier,
      now: delivery.now,
      logins: { unlockCandidate: (idNumber, session) => auth.unlockCandidateLogins(idNumber, session) },
    });
    features.push(delivery.feature, room.feature);
    // Certificates: issued from exam.passed; holder data from registration, sessions and tickets from scheduling.
    // Issuance on a transfer reads and marks the exchange's case; the exchange is built below.
    let exchange: ProvinceExchangeService | null = null;
    const exchangeReady = (): ProvinceExchangeService => {
      if (!exchange) throw new Error("exchange feature not built yet");
      return exchange;
    };
    let sharingBuilt: SharingFeature | null = null;
    const sharingReady = (): SharingFeature => {
      if (!sharingBuilt) throw new Error("sharing feature not built yet");
      return sharingBuilt;
    };
    const certificates = createCertificatesFeature(ctx, {
      candidates: registration,
      sessions: scheduling,
      results: delivery.results,
      divisionName: divisionFullName,
      audit,
      access,
      transfers: {
        accepted: (actor, caseId) => exchangeReady().acceptedTransfer(actor, caseId),
        recordIssued: (session, actor, caseId, issued) =>
          exchangeReady().recordIssued(session, actor, caseId, issued),
        kick: () => exchange?.kick(),
      },
      // A first issue asks the hub whose the holder is, through sharing's signed client (built
      // below); a node without a hub has nobody to ask and issues as before.
      ...(hasHub(config)
        ? { holderHome: { homeOf: (check) => sharingReady().homeOf(check) } satisfies HolderHomePort }
        : {}),
    });
    features.push(certificates.feature);
    qualifications.of = (idNumber) => certificates.facade.qualificationsOf(idNumber);
    qualifications.ofMany = (idNumbers) => certificates.facade.qualificationsOfMany(idNumbers);
    // Sharing subscribes to the domain events the delivery feature's outbox dispatches.
    const sharing: SharingFeature = createSharingFeature(ctx, {
      audit,
      access,
      statusList: () => certificates.facade.signing.statusListDocument({ fresh: true }),
      certificateKeys: certificates.facade.signing.hubKeys,
      lookupNotices: (before, limit) => exchangeReady().lookupNotices(before, limit),
      key: nodeKey,
    });
    features.push(sharing);
    sharingBuilt = sharing;
    // The pusher's hub key announcements (an older hub without the route is backed off): in /healthz.
    reportNodeStatus(conn, "hubCertificateKeys", () => sharing.statusLists?.keysStatus() ?? null);
    // Cross-province exchange; the practitioner page reads certificates through the certificates feature.
    const exchangeFeature = createExchangeProvinceFeature(ctx, {
      access,
      audit,
      key: nodeKey,
      certificates: async (actor, idNumber) =>
        (await certificates.facade.lifecycle.search(actor, { idNumber })).certificates,
      // Agreeing to a transfer sends our signed certificate; the receiving province's issuance
      // notice then supersedes it (cancelled, reason 转籍). Any certificate of the person this node
      // holds, in any division, counts: only for a holder it has none of does the hub's record stand in.
      sourceCertificate: (actor, idNumber): Promise<TransferSource> =>
        certificates.facade.lifecycle.transferSource(actor, idNumber),
      // The receiving province issues only on a hub copy of our status list made since the hub took
      // our agreement: pushed at once, not up to 5 minutes later by the timed push.
      onTransferAgreed: () => sharing.statusLists?.push(),
      // A holder known only from the old register has no certificate here: the register entry the
      // hub holds is cancelled instead, through the collection interface. A certificate revoked or
      // withdrawn here before the notice came stays as it is, and the receiving province, which
      // issued on it, is told on the case: its officers decide about their certificate.
      onTransferIssued: async (session, n) => {
        const toProvinceName = divisionName(n.toProvince) ?? n.toProvince;
        const superseded = await certificates.facade.lifecycle.supersede(session, {
          provinceCode: n.toProvince,
          provinceName: toProvinceName,
          certificateNo: n.idNumber,
          serial: n.issued.serial,
          caseId: n.caseId,
        });
        if (superseded.superseded) return superseded;
        if (superseded.ended)
          return exchangeReady().recordSourceEnded(
            session,
            { caseId: n.caseId, serial: n.issued.serial, toProvinceName },
            { certificateNo: n.idNumber, ...superseded.ended },
          );
        return sharing.legacyTransferIssued(session, {
          caseId: n.caseId,
          idNumber: n.idNumber,
          toProvince: n.toProvince,
          toProvinceName,
          serial: n.issued.serial,
          sourceRecord: n.sourceRecord,
        });
      },
    });
    exchange = exchangeFeature.exchange;
    features.push(exchangeFeature);
  }
  return features;
}
