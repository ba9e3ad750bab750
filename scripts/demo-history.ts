/**
 * The demo's past (hook `demo-history` in scripts/demo-seeds.ts, 江苏 only): three sessions held in
 * the last weeks at the demo test centre's second room, each with candidates checked in by the demo
 * proctor, released, answered, handed in, graded and published by the demo officer. Everything goes
 * through the real services (scheduling, exam delivery, the proctor console, results), so the attempt
 * chains, grades, audit entries and the `exam.passed` events are what a real sitting leaves; only the
 * clock those services read is set back to each session's day. The officer then issues the
 * certificates the passes earned, three days after each publication, on the same clock.
 *
 * Idempotent: a session already held on its day is not held again; a held session still unpublished
 * (a start cut short) is published. Once all of it is there a marker (DEMO_HISTORY_VERSION) records
 * it, and later starts skip the checks; the audit entries carry the clock's time, so the audit page
 * shows each session on its day.
 */
import { randomUUID } from "node:crypto";
import { createAuditService } from "../server/audit/index.js";
import { createCertificatesFeature } from "../server/certificates/index.js";
import type { AuthUser } from "../server/contracts/auth.js";
import type { DomainEvents } from "../server/contracts/domain-events.js";
import type { Paper } from "../server/contracts/paper.js";
import { createExamService, createResultsService } from "../server/exams/index.js";
import type { FeatureContext } from "../server/feature.js";
import { createIdentityAndAccess } from "../server/features.js";
import { makeIdNumber } from "../server/lib/id-number.js";
import { createOrganisationService, divisionFullName, divisionName } from "../server/organisation/index.js";
import { createProctoringService } from "../server/proctoring/index.js";
import { questionBankFeature } from "../server/question-bank/index.js";
import { createRegistrationService } from "../server/registration/index.js";
import { createSchedulingService } from "../server/scheduling/index.js";
import { demoPhotoPngBase64 } from "./demo-photo.js";
import type { DemoSeedResult } from "./demo-seeds.js";

/**
 * The demo history's version. A database whose marker carries it is not checked again at the next
 * start; change it whenever this file or scripts/demo-network-history.ts seeds something new, and
 * the next start seeds again (every step is idempotent), then renews the marker, whose new token
 * makes the network's part (scripts/demo-network.ts) run again too.
 */
export const DEMO_HISTORY_VERSION = 3;
/** Where the marker lives: the node's own database, so it goes when the data goes. */
const MARKERS = "demo_seed_markers";

const PROVINCE = "320000";
const CITY = "320100";
const DAY_MS = 86_400_000;

/** Each past session: how many days ago, and the share of questions each candidate answers right. */
const PAST_SESSIONS: { daysAgo: number; categoryCode: "01001" | "02001"; scores: number[] }[] = [
  { daysAgo: 21, categoryCode: "01001", scores: [0.95, 0.9, 0.86, 0.72, 0.55] },
  { daysAgo: 14, categoryCode: "01001", scores: [0.98, 0.92, 0.66, 0.88] },
  { daysAgo: 7, categoryCode: "02001", scores: [0.93, 0.84, 0.61, 0.9, 0.97] },
];

/** Demo candidates' names (fictional), one per seat of the past sessions in order. */
const NAMES = [
  "李建国",
  "王秀英",
  "陈志强",
  "刘芳",
  "赵国庆",
  "孙丽华",
  "周海涛",
  "吴晓梅",
  "郑立新",
  "钱文斌",
  "冯雪",
  "何志明",
  "高玉兰",
  "林伟",
];

/** 09:00 in the node's time zone (Asia/Shanghai, UTC+8), `daysAgo` days before today. */
function morningOf(daysAgo: number): Date {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - daysAgo, 1, 0));
}

export async function seedDemoHistory(ctx: FeatureContext): Promise<DemoSeedResult> {
  const { conn, config } = ctx;
  if (config.provinceCode !== PROVINCE) return { summary: "仅江苏演示节点有历史场次" };
  // Seeded at this version already: nothing is checked again (a restart took ~15 s doing so).
  const markers = conn.collection<{ _id: string; version: number; token: string; seededAt: Date }>(MARKERS);
  const marker = await markers.findOne({ _id: "history" });
  if (marker?.version === DEMO_HISTORY_VERSION)
    return { summary: `历史场次已就绪（第 ${DEMO_HISTORY_VERSION} 版，未再检查）`, marker: marker.token };
  // The clock the services read: set back to each step of each past session.
  let at = new Date();
  const clock = () => at;

  // Entries stamped with the clock too: the audit page shows each step on its day, not the seed's.
  const audit = createAuditService(conn, { divisionName, now: clock });
  const organisation = createOrganisationService(conn, PROVINCE, audit, { timeZone: config.timeZone });
  const registration = createRegistrationService(conn, {
    provinceCode: PROVINCE,
    audit,
    now: clock,
    timeZone: config.timeZone,
  });
  const scheduling = createSchedulingService(conn, {
    provinceCode: PROVINCE,
    timeZone: config.timeZone,
    organisation,
    registration,
    audit,
    now: clock,
  });
  const { access } = createIdentityAndAccess(conn, {
    provinceCode: PROVINCE,
    audit,
    organisation,
    scheduling,
  });
  const bank = questionBankFeature(ctx, { audit, access }).service;
  const notifier = { toRoom: () => undefined };
  const exams = createExamService(ctx, {
    scheduling,
    audit,
    notifier,
    now: clock,
    papers: {
      buildPaper: (input) => bank.buildPaper(input),
      policies: async (ref) => {
        const bp = await bank.getBlueprint(ref.id, ref.version);
        return { retake: bp.retake, accommodations: bp.accommodations };
      },
      currentBlueprint: async (categoryCode) => {
        const bp = await bank.getCurrentBlueprint(categoryCode);
        return bp ? { id: bp.id, version: bp.version, minutes: bp.minutes } : null;
      },
    },
  });
  const proctoring = createProctoringService(ctx, { exams, scheduling, audit, access, notifier, now: clock });
  const results = createResultsService(ctx, { exams, scheduling, audit, now: clock });
  // The certificates the passes earned, issued on the same clock (signed then, valid six years from
  // then). Without the hub: a node with HUB_URL issues only with a key the hub lists, and the hub
  // learns these keys when the operator registers the node right after (demo-hub-registration.ts
  // certificateKeysOf), with their real start days, so what is issued here verifies through it.
  const offHub = { ...ctx, config: { ...ctx.config, hub: { ...ctx.config.hub, url: null } } };
  const certificates = createCertificatesFeature(offHub, {
    candidates: registration,
    sessions: scheduling,
    results,
    divisionName: divisionFullName,
    audit,
    access,
    clock,
  }).facade.issuance;

  const staff = async (username: string): Promise<AuthUser> => {
    const u = await conn.collection("staff_users").findOne({ username });
    if (!u) throw new Error(`demo account ${username} missing (the demo-accounts hook runs first)`);
    return {
      id: String(u._id),
      kind: "staff",
      roles: u.roles as AuthUser["roles"],
      displayName: String(u.displayName),
      divisionCode: String(u.divisionCode),
      provinceCode: PROVINCE,
      ...(u.testCentreId ? { testCentreId: String(u.testCentreId) } : {}),
    };
  };
  const officer = await staff("js_officer");
  const proctor = await staff("js_proctor");
  const centre = (await organisation.listTestCentres(officer)).find((c) => c.id === proctor.testCentreId);
  const room = centre?.rooms[1];
  if (!centre || !room) throw new Error("the demo test centre's second room is missing");

  let held = 0;
  let published = 0;
  let issued = 0;
  let seat = 0;
  for (const [index, plan] of PAST_SESSIONS.entries()) {
    const startsAt = morningOf(plan.daysAgo);
    const names = NAMES.slice(seat, seat + plan.scores.length);
    seat += plan.scores.length;
    const existing = await conn.collection("exam_sessions").findOne({ roomId: room.id, startsAt });
    let sessionId = existing ? String(existing._id) : null;
    if (!sessionId) {
      sessionId = await holdSession(startsAt, plan, names, index);
      held += 1;
    }
    if (!(await results.isPublished(sessionId))) {
      // A start cut short mid-session left attempts open: the proctor hands them in at the deadline.
      const open = await conn
        .collection("exam_attempts")
        .find({ sessionId, status: "in_progress" }, { projection: { deadline: 1 } })
        .toArray();
      for (const a of open) {
        at = a.deadline as Date;
        await proctoring.forceSubmit(proctor, String(a._id), "考试时间已到，监考员代为交卷");
      }
      // Results are published within 10 days of the exam (DOMAIN.md): here two days later, 10:00.
      at = new Date(Math.min(startsAt.getTime() + 2 * DAY_MS + 60 * 60_000, Date.now()));
      await results.publish({ id: officer.id, name: officer.displayName, kind: "staff" }, sessionId);
      published += 1;
    }
    // Certificates are issued within 10 days of publication (DOMAIN.md): here three days later, 14:00.
    at = new Date(Math.min(startsAt.getTime() + 5 * DAY_MS + 5 * 60 * 60_000, Date.now()));
    issued += await issueCertificates(sessionId);
  }
  const token = randomUUID();
  await markers.updateOne(
    { _id: "history" },
    { $set: { version: DEMO_HISTORY_VERSION, token, seededAt: new Date() } },
    { upsert: true },
  );
  return {
    summary: `历史场次 ${PAST_SESSIONS.length} 场（本次补办 ${held} 场，发布成绩 ${published} 场，发证 ${issued} 本）`,
    marker: token,
  };

  /**
   * Issues what the session's passes earned, as the officer on the history's clock: each pass is
   * handed to the certificates feature as its outbox would (an idempotent upsert, so the delivery
   * once the node runs finds it there) and its pending issuance is issued. Issued here rather than
   * through the API after the start, which waited for the outbox and could find only some of the
   * passes there yet (8 of 9 issued on one first start), and stamped the seed's time.
   */
  async function issueCertificates(sessionId: string): Promise<number> {
    const passes = await conn
      .collection("outbox")
      .find({ name: "exam.passed", "payload.sessionId": sessionId })
      .toArray();
    for (const p of passes) await certificates.onExamPassed(p.payload as DomainEvents["exam.passed"]);
    const pending = await conn
      .collection("certificate_issuances")
      .find({ sessionId, status: "pending" }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .toArray();
    for (const p of pending) {
      try {
        await certificates.issue(officer, String(p._id));
      } catch (err) {
        // Keys made at today's time, before this history was seeded (a data folder whose database
        // alone was removed): every certificate dated in the past would be refused the same way.
        if ((err as { code?: unknown }).code !== "signing_key_not_valid_at_issue") throw err;
        throw new Error(
          `数据目录 ${config.mongo.dataDir} 中的签名密钥晚于演示历史的日期生成，无法为过去的场次签发证书；停止后删除整个数据目录再 npm start 即可`,
          { cause: err },
        );
      }
    }
    return pending.length;
  }

  /** Schedules, seats, checks in, releases, answers, hands in: one session's morning, step by step. */
  async function holdSession(
    startsAt: Date,
    plan: (typeof PAST_SESSIONS)[number],
    names: string[],
    index: number,
  ): Promise<string> {
    at = new Date(startsAt.getTime() - 3 * DAY_MS);
    const session = await scheduling.createSession(officer, {
      categoryCode: plan.categoryCode,
      testCentreId: centre!.id,
      roomId: room!.id,
      startsAt: startsAt.toISOString(),
      durationMinutes: 60,
      lateEntryMinutes: 20,
      earliestHandInMinutes: 30,
    });
    const seated: { candidateId: string; idNumber: string; score: number }[] = [];
    for (const [i, name] of names.entries()) {
      const idNumber = makeIdNumber(
        "320102",
        `19${75 + ((index * 5 + i) % 15)}-0${1 + (i % 9)}-1${i}`,
        300 + index * 10 + i,
      );
      const candidate =
        (await registration.page(officer, { q: idNumber, limit: 1 })).candidates[0] ??
        (await registration.register(officer, {
          name,
          idNumber,
          phone: `1390000${String(1000 + index * 10 + i)}`,
          addressDivisionCode: CITY,
          education: "senior_middle",
          licenceClass: "A2",
          licenceFirstIssuedOn: "2010-05-20",
          categories: [plan.categoryCode],
          heldQualifications: [],
          declarations: { noMajorAccident3y: true, noDrunkDriving: true },
          divisionCode: CITY,
          photo: { mimeType: "image/png", dataBase64: await demoPhotoPngBase64() },
        }));
      await scheduling.assign(officer, session.id, { candidateId: candidate.id });
      seated.push({ candidateId: candidate.id, idNumber, score: plan.scores[i] ?? 0.8 });
    }

    at = new Date(startsAt.getTime() - 15 * 60_000);
    const attempts: { attemptId: string; score: number }[] = [];
    for (const s of seated) {
      at = new Date(at.getTime() + 60_000);
      await proctoring.checkIn(proctor, {
        sessionId: session.id,
        candidateId: s.candidateId,
        idNumber: s.idNumber,
      });
      const attempt = await conn
        .collection("exam_attempts")
        .findOne({ sessionId: session.id, candidateId: s.candidateId }, { projection: { _id: 1 } });
      if (!attempt) throw new Error("check-in made no attempt");
      attempts.push({ attemptId: String(attempt._id), score: s.score });
      await exams.confirm(String(attempt._id));
    }
    at = startsAt;
    await proctoring.release(proctor, session.id);

    for (const [i, a] of attempts.entries()) {
      const stored = await conn.collection("exam_papers").findOne({ _id: a.attemptId as never });
      const paper = stored?.paper as Paper | undefined;
      if (!paper) throw new Error("the attempt has no paper");
      let seq = 0;
      at = new Date(startsAt.getTime() + 60_000);
      for (const [q, question] of paper.questions.entries()) {
        // Right for the candidate's share of the questions, spread evenly over the paper, so every
        // start grades the same (drawn at random, a candidate near the pass mark passed on some
        // starts only); a wrong answer is another option (or the other of T/F).
        const right = Math.floor((q + 1) * a.score) > Math.floor(q * a.score);
        const wrongKey =
          question.type === "true_false"
            ? question.answer[0] === "T"
              ? "F"
              : "T"
            : question.options.map((o) => o.key).find((k) => !question.answer.includes(k));
        const choice = right || !wrongKey ? question.answer : [wrongKey];
        at = new Date(at.getTime() + 15_000);
        await exams.saveAnswer(a.attemptId, { seq: ++seq, index: q, choice });
      }
      at = new Date(startsAt.getTime() + (38 + i * 3) * 60_000);
      await exams.submitByCandidate(a.attemptId, seq);
    }
    return session.id;
  }
}
