import { randomBytes, randomUUID } from "node:crypto";
import type { ClientSession } from "mongoose";
import type {
  CandidateAttemptDto,
  ClockEventDto,
  CloseReason,
  SaveAckDto,
  SeatViewDto,
} from "../contracts/exams.js";
import type { ItemResponse } from "../contracts/item-stats.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { CandidateQuestion, Paper } from "../contracts/paper.js";
import type { ExamSessionDto, SeatAssignmentDto } from "../contracts/scheduling.js";
import type { FeatureContext } from "../feature.js";
import { AppError, errors } from "../lib/errors.js";
import { enqueueEvent } from "../lib/outbox.js";
import {
  attemptModel,
  attemptPaperModel,
  checkInPhotoModel,
  examResultModel,
  exposureModel,
  examInstanceModel,
  publicationModel,
  type AttemptDoc,
} from "./attempt.model.js";
import { acceptsSaves, clockOf, computeDeadline } from "./clock.js";
import { nextEvent, type ChainEvent, type ChainEventType } from "./event-chain.js";
import { gradePaper } from "./grading.js";
import {
  rooms,
  SYSTEM,
  type Actor,
  type AuditPort,
  type Notifier,
  type PaperPort,
  type SchedulingPort,
} from "./ports.js";
import {
  clockParts,
  missingSeqs,
  showsQuestions,
  toCandidateAttempt,
  toCandidateQuestion,
  toSeatView,
  type AttemptLean,
  PRESENCE_STALE_MS,
} from "./presenters.js";
import { checkRetake } from "./retake.js";

/** Tunables of exam delivery (defaults suit a real room; tests shorten the waits). */
export interface ExamOptions {
  /** How long `attempt:submit` waits for the saves it names before answering `saves_pending`. */
  submitWaitMs: number;
  /** A `submitting` claim older than this belongs to a dead instance and is claimed again. */
  submitLeaseMs: number;
  /** Seat-map updates for answer saves are sent at most this often per attempt. */
  seatThrottleMs: number;
}

export const DEFAULT_EXAM_OPTIONS: ExamOptions = {
  submitWaitMs: 5000,
  submitLeaseMs: 30_000,
  seatThrottleMs: 1000,
};

export interface ExamServiceDeps {
  scheduling: SchedulingPort;
  papers: PaperPort;
  audit: AuditPort;
  notifier: Notifier;
  /** Wakes the outbox dispatcher after a commit that enqueued an event. */
  onOutbox?: () => void;
  options?: Partial<ExamOptions>;
  now?: () => Date;
}

/** Fields read for every decision; the event log stays in the database (the paper has its own collection). */
const LIGHT = { events: 0 } as const;
const MAX_RETRIES = 25;
const ABSENT_STATUSES: "voided"[] = ["voided"];

const closed = () => errors.conflict("attempt_closed", "考试已结束，答案不再接受");
const paused = () => errors.conflict("attempt_paused", "考试已暂停，请等待监考员恢复");

/** A change to one attempt that appends one chain event, applied only if the attempt is as read. */
interface Plan {
  filter?: Record<string, unknown>;
  set?: Record<string, unknown>;
  inc?: Record<string, number>;
  push?: Record<string, unknown>;
  pull?: Record<string, unknown>;
  addToSet?: Record<string, unknown>;
  max?: Record<string, number>;
  event: { type: ChainEventType; data: Record<string, unknown> };
}

/**
 * Exam delivery: check-in (paper frozen), release, saves with seq rules, submit, the deadline
 * sweep, grading with the result and `exam.passed` in one transaction, publication and reports.
 *
 * Every change to an attempt is one conditional update that also appends the next chain event:
 * the filter names the chain head it read (`chainN`), so two instances changing one attempt never
 * both win; the loser re-reads and decides again (optimistic concurrency, no read-modify-write).
 */
export function createExamService(ctx: FeatureContext, deps: ExamServiceDeps) {
  const Attempts = attemptModel(ctx.conn);
  const Results = examResultModel(ctx.conn);
  const Publications = publicationModel(ctx.conn);
  const Photos = checkInPhotoModel(ctx.conn);
  const Papers = attemptPaperModel(ctx.conn);
  const Exposure = exposureModel(ctx.conn);
  const Instances = examInstanceModel(ctx.conn);
  // Candidate views of frozen papers: immutable, so any instance may cache them (bounded).
  const questionCache = new Map<string, CandidateQuestion[]>();
  const QUESTION_CACHE_MAX = 5000;

  function cacheQuestions(attemptId: string, paper: Paper): CandidateQuestion[] {
    const qs = paper.questions.map(toCandidateQuestion);
    if (questionCache.size >= QUESTION_CACHE_MAX) {
      const oldest = questionCache.keys().next().value;
      if (oldest !== undefined) questionCache.delete(oldest);
    }
    questionCache.set(attemptId, qs);
    return qs;
  }

  /** The candidate's questions of many attempts: cached, the misses read in one query. */
  async function questionsOf(attemptIds: string[]): Promise<Map<string, CandidateQuestion[]>> {
    const out = new Map<string, CandidateQuestion[]>();
    const misses: string[] = [];
    for (const id of attemptIds) {
      const hit = questionCache.get(id);
      if (hit) out.set(id, hit);
      else misses.push(id);
    }
    if (misses.length) {
      for (const p of await Papers.find({ _id: { $in: misses } }, { paper: 1 }).lean<
        { _id: string; paper: Paper }[]
      >())
        out.set(p._id, cacheQuestions(p._id, p.paper));
    }
    return out;
  }

  async function candidateView(doc: AttemptLean, official = false): Promise<CandidateAttemptDto> {
    const qs = showsQuestions(doc.status) ? ((await questionsOf([doc._id])).get(doc._id) ?? null) : null;
    return toCandidateAttempt(doc, now(), qs, official);
  }
  const opts: ExamOptions = { ...DEFAULT_EXAM_OPTIONS, ...deps.options };
  const now = deps.now ?? (() => new Date());
  const grace = ctx.config.exam.graceSeconds;
  const instanceId = randomUUID();
  const lastSeatEmit = new Map<string, number>();
  // This instance's last known copy of attempts it saved for (see `mutate`): saves cost one write.
  const docCache = new Map<string, AttemptLean>();
  const DOC_CACHE_MAX = 5000;
  const trailingSeat = new Map<string, NodeJS.Timeout>();
  // Saves of one attempt on this instance run one after another, so they never contend on the chain head.
  const queues = new Map<string, Promise<unknown>>();

  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  }

  async function load(attemptId: string): Promise<AttemptLean> {
    const doc = await Attempts.findById(attemptId, LIGHT).lean<AttemptLean>();
    if (!doc) throw errors.notFound("考试记录", "attempt_not_found");
    return doc;
  }

  /**
   * Applies `decide(doc)` as one conditional update plus a chain event, retrying on a moved chain
   * head. `decide` throws to refuse, or returns null when there is nothing to change.
   */
  /**
   * Applies `decide(doc)` as one conditional update plus a chain event, retrying on a moved chain
   * head. `decide` throws to refuse, or returns null when there is nothing to change.
   *
   * With `cached`, the first try decides on this instance's last known copy of the attempt. That is
   * safe because the update's filter restates every precondition (chain head, status, pause,
   * deadline, seq): a stale copy simply fails to match. Any refusal or no-op decided on a cached
   * copy is decided again on a fresh read before it is answered.
   */
  async function mutate(
    attemptId: string,
    decide: (doc: AttemptLean, at: Date) => Plan | null,
    options: { cached?: boolean } = {},
  ): Promise<{ before: AttemptLean; after: AttemptLean | null; event: ChainEvent | null; at: Date }> {
    for (let i = 0; i < MAX_RETRIES; i++) {
      const hit = options.cached && i === 0 ? docCache.get(attemptId) : undefined;
      const before = hit ?? (await load(attemptId));
      const at = now();
      let plan: Plan | null;
      try {
        plan = decide(before, at);
      } catch (err) {
        if (hit) {
          docCache.delete(attemptId);
          continue;
        }
        throw err;
      }
      if (!plan) {
        if (hit) {
          docCache.delete(attemptId);
          continue;
        }
        return { before, after: null, event: null, at };
      }
      const event = nextEvent(
        { n: before.chainN, hash: before.chainHash },
        plan.event.type,
        plan.event.data,
        at,
      );
      const set = { ...plan.set, chainN: event.n, chainHash: event.hash };
      const update: Record<string, unknown> = { $set: set, $push: { ...plan.push, events: event } };
      if (plan.inc) update.$inc = plan.inc;
      if (plan.pull) update.$pull = plan.pull;
      if (plan.addToSet) update.$addToSet = plan.addToSet;
      if (plan.max) update.$max = plan.max;
      const res = await Attempts.updateOne({ _id: attemptId, chainN: before.chainN, ...plan.filter }, update);
      if (res.matchedCount === 1) {
        const after =
          plan.inc || plan.pull || plan.push ? null : applyLocally(before, set, plan.addToSet, plan.max);
        if (after && options.cached) remember(after);
        else docCache.delete(attemptId);
        return { before, after, event, at };
      }
      docCache.delete(attemptId);
    }
    throw errors.conflict("attempt_busy", "考试记录正忙，请重试");
  }

  function remember(doc: AttemptLean): void {
    if (docCache.size >= DOC_CACHE_MAX && !docCache.has(doc._id)) {
      const oldest = docCache.keys().next().value;
      if (oldest !== undefined) docCache.delete(oldest);
    }
    docCache.set(doc._id, doc);
  }

  /**
   * Pushes one seat to the proctor console. Answer saves are throttled per attempt with a trailing
   * emit, so a burst of saves ends with the latest state without flooding the console.
   */
  async function emitSeat(attemptId: string, throttle = false, known?: AttemptLean): Promise<void> {
    const t = Date.now();
    const wait = opts.seatThrottleMs - (t - (lastSeatEmit.get(attemptId) ?? 0));
    if (throttle && wait > 0) {
      if (!trailingSeat.has(attemptId)) {
        trailingSeat.set(
          attemptId,
          setTimeout(() => {
            trailingSeat.delete(attemptId);
            void emitSeat(attemptId, false, docCache.get(attemptId)).catch(() => undefined);
          }, wait).unref(),
        );
      }
      return;
    }
    lastSeatEmit.set(attemptId, t);
    const doc = known ?? (await Attempts.findById(attemptId, LIGHT).lean<AttemptLean>());
    if (doc) deps.notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  async function emitClock(attemptId: string, reason: string | null): Promise<void> {
    const doc = await load(attemptId);
    const payload: ClockEventDto = {
      attemptId,
      status: doc.status,
      ...clockOf(clockParts(doc), now()),
      reason,
    };
    deps.notifier.toRoom(rooms.attempt(attemptId), "attempt:clock", payload);
    deps.notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  async function isPublished(sessionId: string): Promise<boolean> {
    return (await Publications.exists({ sessionId })) !== null;
  }

  // ---- check-in and release ----

  /**
   * Proctor check-in (入场核验): the typed ID number must match the registration, the candidate is
   * bound to a seat, the retake policy is enforced and the paper is assembled and frozen now. A
   * second check-in of the same candidate returns the existing attempt.
   */
  async function checkIn(
    actor: Actor,
    session: ExamSessionDto,
    input: {
      candidateId: string;
      idNumber: string;
      seatId?: string;
      accommodation?: string;
      photo?: { contentType: string; data: Buffer };
    },
  ): Promise<{ attempt: AttemptLean; assignment: SeatAssignmentDto }> {
    const assignments = await deps.scheduling.listAssignments(session.id);
    const assignment = assignments.find((a) => a.candidateId === input.candidateId);
    if (!assignment) throw errors.unprocessable("not_assigned", "该考生未被安排在本场次");
    if (assignment.idNumber.toUpperCase() !== input.idNumber.trim().toUpperCase()) {
      throw errors.unprocessable("identity_mismatch", "身份证号码与报名信息不一致");
    }
    const existing = await Attempts.findOne(
      { sessionId: session.id, candidateId: input.candidateId, status: { $nin: ABSENT_STATUSES } },
      LIGHT,
    ).lean<AttemptLean>();
    if (existing) return { attempt: existing, assignment };

    const at = now();
    // Exam-room practice: no entry later than `lateEntryMinutes` after the start (counts as absent).
    if (at.getTime() > new Date(session.startsAt).getTime() + session.lateEntryMinutes * 60_000) {
      throw errors.unprocessable("late_entry", `开考 ${session.lateEntryMinutes} 分钟后不得入场`);
    }
    const past = await Attempts.find(
      { candidateId: input.candidateId, categoryCode: session.categoryCode, status: "submitted" },
      { submittedAt: 1, "result.passed": 1 },
    ).lean<Pick<AttemptDoc, "submittedAt" | "result">[]>();
    const seenPapers = await Papers.find(
      { candidateId: input.candidateId, categoryCode: session.categoryCode },
      { "paper.questions.questionId": 1 },
    ).lean<{ paper: Paper }[]>();

    const seed = randomBytes(12).toString("hex");
    const counts = ((await Exposure.findById(session.id).lean<{ counts?: Record<string, number> }>())
      ?.counts ?? {}) as Record<string, number>;
    const exposure = new Map<string, number>(Object.entries(counts).map(([k, v]) => [k, v]));
    const avoid = [...new Set(seenPapers.flatMap((p) => p.paper.questions.map((q) => q.questionId)))];
    // Counter keys are the question ids (sanitised only if an id had `.` or `$`; such an id then
    // counts as unexposed, which merely weakens a balancing preference).
    const paper = await deps.papers.buildPaper({
      categoryCode: session.categoryCode,
      seed,
      avoidQuestionIds: avoid,
      exposure,
    });
    const policies = await deps.papers.policies({ id: paper.blueprintId, version: paper.blueprintVersion });

    const retake = checkRetake(
      policies.retake,
      past
        .filter((p) => p.submittedAt)
        .map((p) => ({ submittedAt: p.submittedAt as Date, passed: p.result?.passed ?? false })),
      at,
    );
    if (!retake.allowed) {
      throw errors.unprocessable(
        "retake_wait",
        `补考次数已用完，须于 ${retake.until.toISOString().slice(0, 10)} 之后再考`,
        { until: retake.until.toISOString() },
      );
    }
    let accommodationMinutes = 0;
    if (input.accommodation) {
      const minutes = policies.accommodations[input.accommodation];
      if (minutes === undefined) throw errors.badRequest("unknown_accommodation", "组卷方案未批准该照顾措施");
      accommodationMinutes = minutes;
    }

    const seatId = input.seatId ?? assignment.seatId;
    const attemptId = `att_${randomBytes(10).toString("hex")}`;
    const first = nextEvent(
      null,
      "check_in",
      { by: actor.id, seatId, paperSeed: seed, blueprint: `${paper.blueprintId}@${paper.blueprintVersion}` },
      at,
    );
    const doc = {
      _id: attemptId,
      sessionId: session.id,
      candidateId: input.candidateId,
      categoryCode: session.categoryCode,
      candidateName: assignment.name,
      idNumber: assignment.idNumber,
      ticketNo: assignment.ticketNo,
      seatId,
      seatNo: seatId === assignment.seatId ? assignment.seatNo : null,
      photoId: assignment.photoId ?? null,
      onSitePhoto: Boolean(input.photo),
      status: "checked_in" as const,
      paperSeed: seed,
      questionCount: paper.questions.length,
      minutes: paper.minutes,
      accommodation: input.accommodation ?? null,
      accommodationMinutes,
      earliestHandInMinutes: session.earliestHandInMinutes,
      answers: paper.questions.map(() => ({ choice: [], seq: 0, flagged: false, flagSeq: 0 })),
      chainN: first.n,
      chainHash: first.hash,
      events: [first],
      checkedInAt: at,
      checkedInBy: actor.id,
    };
    // The paper first: an attempt never exists without its paper (an orphan paper is harmless).
    await Papers.create({
      _id: attemptId,
      sessionId: session.id,
      candidateId: input.candidateId,
      categoryCode: session.categoryCode,
      paper,
    });
    cacheQuestions(attemptId, paper);
    try {
      await Attempts.create(doc);
    } catch (err) {
      // A racing check-in of the same candidate on another instance: keep the one that won.
      const winner = await Attempts.findOne(
        { sessionId: session.id, candidateId: input.candidateId, status: { $nin: ABSENT_STATUSES } },
        LIGHT,
      ).lean<AttemptLean>();
      if (winner) return { attempt: winner, assignment };
      throw err;
    }
    await Exposure.updateOne(
      { _id: session.id },
      { $inc: Object.fromEntries(paper.questions.map((q) => [`counts.${exposureKey(q.questionId)}`, 1])) },
      { upsert: true },
    );
    if (input.photo)
      await Photos.create({
        attemptId,
        contentType: input.photo.contentType,
        data: input.photo.data,
        takenBy: actor.id,
        at,
      });
    const created = await load(attemptId);
    deps.notifier.toRoom(rooms.session(session.id), "session:seat", toSeatView(created, now()));
    deps.notifier.toRoom(rooms.candidate(input.candidateId), "attempt:clock", {
      attemptId,
      status: created.status,
      serverTime: at.getTime(),
      deadline: null,
      paused: false,
      remainingMs: null,
      reason: "已通过身份核验",
    });
    return { attempt: created, assignment };
  }

  /**
   * Retake policy at scheduling time (the scheduling feature's `retakeCheck` port): refuses with
   * `retake_wait` when the candidate's failed run in this category still has to wait.
   */
  async function retakeCheck(candidateId: string, categoryCode: CategoryCode): Promise<void> {
    const policy = await deps.papers.currentRetakePolicy?.(categoryCode);
    if (!policy) return;
    const past = await Attempts.find(
      { candidateId, categoryCode, status: "submitted" },
      { submittedAt: 1, "result.passed": 1 },
    ).lean<Pick<AttemptDoc, "submittedAt" | "result">[]>();
    const decision = checkRetake(
      policy,
      past
        .filter((p) => p.submittedAt)
        .map((p) => ({ submittedAt: p.submittedAt as Date, passed: p.result?.passed ?? false })),
      now(),
    );
    if (!decision.allowed) {
      throw errors.unprocessable(
        "retake_wait",
        `补考次数已用完，须于 ${decision.until.toISOString().slice(0, 10)} 之后再考`,
        { until: decision.until.toISOString() },
      );
    }
  }

  /** The candidate confirmed photo, name and ID on screen (checked_in → ready). */
  async function confirm(attemptId: string): Promise<CandidateAttemptDto> {
    await mutate(attemptId, (doc) =>
      doc.status === "checked_in"
        ? { filter: { status: "checked_in" }, set: { status: "ready" }, event: { type: "ready", data: {} } }
        : null,
    );
    void emitSeat(attemptId);
    return view(attemptId);
  }

  /**
   * Releases attempts (开考): stamps startedAt and the deadline of each checked-in or ready attempt
   * of the session (or only the named ones) and pushes each candidate their paper.
   */
  async function release(
    actor: Actor,
    sessionId: string,
    attemptIds?: string[],
  ): Promise<{ affected: string[]; skipped: { attemptId: string; code: string }[] }> {
    const filter: Record<string, unknown> = { sessionId };
    if (attemptIds) filter._id = { $in: attemptIds };
    const targets = await Attempts.find(filter, { _id: 1, status: 1 }).lean<
      { _id: string; status: string }[]
    >();
    const skipped = targets
      .filter((t) => t.status !== "checked_in" && t.status !== "ready")
      .map((t) => ({ attemptId: t._id, code: "invalid_transition" }));
    for (const id of attemptIds ?? [])
      if (!targets.some((t) => t._id === id)) skipped.push({ attemptId: id, code: "attempt_not_found" });
    const startable = targets
      .filter((t) => t.status === "checked_in" || t.status === "ready")
      .map((t) => t._id);
    const affected: string[] = [];
    // The whole room starts in one bulk write of conditional updates (each names the chain head it
    // read), so "everyone starts at once" costs one round trip, not one per candidate.
    const docs = await Attempts.find(
      { _id: { $in: startable }, status: { $in: ["checked_in", "ready"] } },
      LIGHT,
    ).lean<AttemptLean[]>();
    const at = now();
    const planned = docs.map((doc) => {
      const deadline = computeDeadline({ ...clockParts(doc), startedAt: at }) as Date;
      const event = nextEvent(
        { n: doc.chainN, hash: doc.chainHash },
        "start",
        { by: actor.id, deadline: deadline.toISOString() },
        at,
      );
      return { doc, deadline, event };
    });
    if (planned.length) {
      await Attempts.bulkWrite(
        planned.map(({ doc, deadline, event }) => ({
          updateOne: {
            filter: { _id: doc._id, status: doc.status, chainN: doc.chainN },
            update: {
              $set: {
                status: "in_progress",
                startedAt: at,
                deadline,
                chainN: event.n,
                chainHash: event.hash,
              },
              $push: { events: event },
            },
          },
        })),
        { ordered: false },
      );
    }
    // An attempt someone else changed in between keeps its own state: only those stamped now started.
    const stamped = new Set(
      (
        await Attempts.find(
          { _id: { $in: planned.map((p) => p.doc._id) }, startedAt: at, status: "in_progress" },
          { _id: 1 },
        ).lean<{ _id: string }[]>()
      ).map((d) => d._id),
    );
    const questions = await questionsOf([...stamped]);
    for (const { doc, deadline, event } of planned) {
      if (!stamped.has(doc._id)) {
        skipped.push({ attemptId: doc._id, code: "invalid_transition" });
        continue;
      }
      affected.push(doc._id);
      const started: AttemptLean = {
        ...doc,
        status: "in_progress",
        startedAt: at,
        deadline,
        chainN: event.n,
        chainHash: event.hash,
      };
      // Everyone's first save follows within seconds: let it decide on this copy (see `mutate`).
      remember(started);
      deps.notifier.toRoom(
        rooms.attempt(doc._id),
        "attempt:started",
        toCandidateAttempt(started, at, questions.get(doc._id) ?? null),
      );
      deps.notifier.toRoom(rooms.session(sessionId), "session:seat", toSeatView(started, at));
    }
    return { affected, skipped };
  }

  // ---- candidate protocol ----

  async function view(attemptId: string): Promise<CandidateAttemptDto> {
    const doc = await Attempts.findById(attemptId, LIGHT).lean<AttemptLean>();
    if (!doc) throw errors.notFound("考试记录", "attempt_not_found");
    return candidateView(doc, doc.status === "submitted" && (await isPublished(doc.sessionId)));
  }

  /** The candidate's current attempt in their session (not voided first, newest first). */
  async function findCandidateAttempt(sessionId: string, candidateId: string): Promise<AttemptLean | null> {
    return Attempts.findOne({ sessionId, candidateId }, LIGHT).sort({ checkedInAt: -1 }).lean<AttemptLean>();
  }

  async function ownerOf(attemptId: string): Promise<{ candidateId: string; sessionId: string } | null> {
    return Attempts.findById(attemptId, { candidateId: 1, sessionId: 1 }).lean<{
      candidateId: string;
      sessionId: string;
    }>();
  }

  function saveAck(
    doc: AttemptLean,
    at: Date,
    index: number,
    seq: number,
    savedSeq: number,
    applied: boolean,
  ): SaveAckDto {
    const v = clockOf(clockParts(doc), at);
    return {
      attemptId: doc._id,
      index,
      seq,
      savedSeq,
      applied,
      serverTime: v.serverTime,
      deadline: v.deadline,
      paused: v.paused,
      remainingMs: v.remainingMs,
    };
  }

  /**
   * Saves one answer or flag. Idempotent and ordered: the update applies only while the stored seq
   * of that question is older (`answers.i.seq < seq`), so a repeat is acknowledged and not applied
   * and an older save never overwrites a newer one, whatever order they arrive in.
   */
  function save(
    attemptId: string,
    input: { seq: number; index: number } & ({ choice: string[] } | { flagged: boolean }),
  ): Promise<SaveAckDto> {
    return serial(attemptId, async () => {
      const isFlag = "flagged" in input;
      const seqField = `answers.${input.index}.${isFlag ? "flagSeq" : "seq"}`;
      let stale: { doc: AttemptLean; stored: number } | null = null;
      const res = await mutate(
        attemptId,
        (doc, at) => {
          if (doc.status !== "in_progress" || !acceptsSaves(doc.deadline ?? null, at, grace)) throw closed();
          if (doc.pausedAt) throw paused();
          const slot = doc.answers[input.index];
          if (!slot) throw errors.badRequest("question_out_of_range", "题号超出试卷范围");
          const stored = (isFlag ? slot.flagSeq : slot.seq) ?? 0;
          if (stored >= input.seq) {
            stale = { doc, stored };
            return null;
          }
          const filter = {
            status: "in_progress",
            pausedAt: null,
            deadline: { $gte: new Date(at.getTime() - grace * 1000) },
            [seqField]: { $lt: input.seq },
          };
          return isFlag
            ? {
                filter,
                set: { [`answers.${input.index}.flagged`]: input.flagged, [seqField]: input.seq },
                addToSet: { seen: input.seq },
                max: { lastSeq: input.seq },
                event: { type: "flag", data: { index: input.index, flagged: input.flagged, seq: input.seq } },
              }
            : {
                filter,
                set: {
                  [`answers.${input.index}.choice`]: [...new Set(input.choice)].sort(),
                  [seqField]: input.seq,
                },
                addToSet: { seen: input.seq },
                max: { lastSeq: input.seq },
                event: {
                  type: "answer",
                  data: { index: input.index, choice: [...new Set(input.choice)].sort(), seq: input.seq },
                },
              };
        },
        { cached: true },
      );
      if (!res.event) {
        // Repeat or older seq: remember that it arrived (submit waits for it) but change nothing else.
        const s = stale as { doc: AttemptLean; stored: number } | null;
        if (!s) throw closed();
        if (!s.doc.seen.includes(input.seq))
          await Attempts.updateOne(
            { _id: attemptId },
            { $addToSet: { seen: input.seq }, $max: { lastSeq: input.seq } },
          );
        return saveAck(s.doc, res.at, input.index, input.seq, s.stored, false);
      }
      void emitSeat(attemptId, true, res.after ?? undefined);
      return saveAck(res.before, res.at, input.index, input.seq, input.seq, true);
    });
  }

  /**
   * Candidate hand-in (交卷): waits until every seq up to `lastSeq` has arrived (so the last
   * autosave and the submit never collide), refuses before the earliest hand-in time, then closes.
   */
  async function submitByCandidate(attemptId: string, lastSeq: number): Promise<CandidateAttemptDto> {
    const started = Date.now();
    for (;;) {
      const doc = await load(attemptId);
      if (doc.status === "submitted" || doc.status === "submitting" || doc.status === "voided")
        return view(attemptId);
      if (doc.status !== "in_progress") throw errors.conflict("attempt_not_started", "考试尚未开始");
      if (doc.pausedAt) throw paused();
      const earliest = (doc.startedAt?.getTime() ?? 0) + (doc.earliestHandInMinutes ?? 0) * 60_000;
      if (now().getTime() < earliest) {
        throw errors.conflict("too_early", `开考 ${doc.earliestHandInMinutes} 分钟内不得交卷`, {
          earliestSubmitAt: earliest,
        });
      }
      const missing = missingSeqs(doc, lastSeq);
      if (missing.length === 0) break;
      if (Date.now() - started >= opts.submitWaitMs) {
        throw errors.conflict("saves_pending", "仍有答案未保存，请稍候重试", { missing });
      }
      await sleep(50);
    }
    await closeAttempt(attemptId, "candidate", SYSTEM);
    return view(attemptId);
  }

  // ---- closing: claim, grade, result, outbox ----

  /**
   * Claims the attempt for closing with one atomic findOneAndUpdate (in_progress → submitting), so
   * among all instances and the sweeper exactly one closes it; then finalises. Returns false when
   * someone else already closed or claimed it.
   */
  async function closeAttempt(attemptId: string, reason: CloseReason, actor: Actor): Promise<boolean> {
    const token = randomUUID();
    const claimed = await Attempts.findOneAndUpdate(
      { _id: attemptId, status: "in_progress" },
      { $set: { status: "submitting", submitClaim: { token, at: now(), by: instanceId, reason } } },
      { returnDocument: "after", projection: { _id: 1 } },
    ).lean();
    if (!claimed) return false;
    await finalize(attemptId, token, reason, actor);
    return true;
  }

  /**
   * Grades and closes a claimed attempt in ONE transaction: the attempt's final state and chain
   * head, its result record and (for a pass) the `exam.passed` outbox entry commit together or not
   * at all.
   */
  async function finalize(
    attemptId: string,
    token: string,
    reason: CloseReason,
    actor: Actor,
  ): Promise<void> {
    let passed = false;
    await ctx.conn.transaction(async (session: ClientSession) => {
      const doc = await Attempts.findOne(
        { _id: attemptId, status: "submitting", "submitClaim.token": token },
        LIGHT,
      )
        .session(session)
        .lean<AttemptDoc>();
      if (!doc) return;
      const stored = await Papers.findById(attemptId, { paper: 1 }).session(session).lean<{ paper: Paper }>();
      if (!stored) throw new Error(`attempt ${attemptId} has no paper`);
      const paper = stored.paper;
      const grade = gradePaper(
        paper,
        doc.answers.map((a) => a.choice ?? []),
      );
      const at = now();
      const event = nextEvent(
        { n: doc.chainN, hash: doc.chainHash },
        "submit",
        { reason, by: actor.id, score: grade.score, passed: grade.passed, lastSeq: doc.lastSeq },
        at,
      );
      const res = await Attempts.updateOne(
        { _id: attemptId, status: "submitting", "submitClaim.token": token, chainN: doc.chainN },
        {
          $set: {
            status: "submitted",
            submittedAt: at,
            closeReason: reason,
            result: {
              score: grade.score,
              totalPoints: grade.totalPoints,
              passMark: grade.passMark,
              passed: grade.passed,
              items: grade.items,
            },
            chainN: event.n,
            chainHash: event.hash,
          },
          $push: { events: event },
        },
        { session },
      );
      if (res.matchedCount !== 1) throw errors.conflict("attempt_busy", "考试记录正忙，请重试");
      await Results.create(
        [
          {
            attemptId,
            sessionId: doc.sessionId,
            candidateId: doc.candidateId,
            categoryCode: doc.categoryCode,
            score: grade.score,
            totalPoints: grade.totalPoints,
            passMark: grade.passMark,
            passed: grade.passed,
            submittedAt: at,
            closeReason: reason,
            chainHash: event.hash,
          },
        ],
        { session },
      );
      passed = grade.passed;
      if (grade.passed) {
        await enqueueEvent(
          ctx.conn,
          session,
          "exam.passed",
          {
            attemptId,
            candidateId: doc.candidateId,
            idNumber: doc.idNumber,
            name: doc.candidateName,
            categoryCode: doc.categoryCode,
            sessionId: doc.sessionId,
            score: grade.score,
            passMark: grade.passMark,
            submittedAt: at.toISOString(),
            chainHash: event.hash,
            provinceCode: ctx.config.provinceCode ?? "",
          },
          `exam.passed:${attemptId}`,
        );
      }
    });
    if (passed) deps.onOutbox?.();
    lastSeatEmit.delete(attemptId);
    docCache.delete(attemptId);
    const doc = await Attempts.findById(attemptId, LIGHT).lean<AttemptLean>();
    if (!doc) return;
    const v = toCandidateAttempt(doc, now(), null);
    deps.notifier.toRoom(rooms.attempt(attemptId), "attempt:closed", {
      attemptId,
      status: "submitted",
      closeReason: reason,
      result: v.result,
      serverTime: v.serverTime,
    });
    deps.notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  /**
   * One pass of the deadline sweeper: claims every expired attempt (past deadline + grace, not
   * paused) one at a time with findOneAndUpdate and closes it; also re-claims closings left half
   * done by a dead instance. Safe to run on every instance at once: each expiry happens once.
   */
  async function sweepOnce(): Promise<string[]> {
    const closedIds: string[] = [];
    // Two plain claims (no $or) so each can use the {status, deadline} index.
    const claimExpired = (at: Date, token: string) =>
      Attempts.findOneAndUpdate(
        { status: "in_progress", deadline: { $lt: new Date(at.getTime() - grace * 1000) }, pausedAt: null },
        { $set: { status: "submitting", submitClaim: { token, at, by: instanceId, reason: "deadline" } } },
        { returnDocument: "before", projection: { _id: 1, submitClaim: 1 } },
      ).lean<{ _id: string; submitClaim?: { reason?: string | null } | null }>();
    const claimAbandoned = (at: Date, token: string) =>
      Attempts.findOneAndUpdate(
        { status: "submitting", "submitClaim.at": { $lt: new Date(at.getTime() - opts.submitLeaseMs) } },
        { $set: { "submitClaim.token": token, "submitClaim.at": at, "submitClaim.by": instanceId } },
        { returnDocument: "before", projection: { _id: 1, submitClaim: 1 } },
      ).lean<{ _id: string; submitClaim?: { reason?: string | null } | null }>();
    for (const [claim, keepReason] of [
      [claimExpired, false],
      [claimAbandoned, true],
    ] as const) {
      for (;;) {
        const token = randomUUID();
        const claimed = await claim(now(), token);
        if (!claimed) break;
        // A re-claimed closing keeps the reason it was started with (candidate, forced, deadline).
        const reason = (keepReason ? (claimed.submitClaim?.reason ?? "deadline") : "deadline") as CloseReason;
        await finalize(claimed._id, token, reason, SYSTEM);
        closedIds.push(claimed._id);
      }
    }
    return closedIds;
  }

  // ---- proctor actions on attempts (authorised and audited by the proctoring feature) ----

  async function pause(actor: Actor, attemptId: string, reason: string): Promise<boolean> {
    const res = await mutate(attemptId, (doc, at) =>
      doc.status === "in_progress" && !doc.pausedAt
        ? {
            filter: { status: "in_progress", pausedAt: null },
            set: { pausedAt: at },
            event: { type: "pause", data: { by: actor.id, reason } },
          }
        : null,
    );
    if (res.event) await emitClock(attemptId, `监考员暂停考试：${reason}`);
    return res.event !== null;
  }

  /** Resumes a paused attempt: the pause is added to the clock, so it never costs the candidate time. */
  async function resume(actor: Actor, attemptId: string): Promise<boolean> {
    const res = await mutate(attemptId, (doc, at) => {
      if (doc.status !== "in_progress" || !doc.pausedAt) return null;
      const pausedMs = (doc.pausedMs ?? 0) + Math.max(0, at.getTime() - doc.pausedAt.getTime());
      const deadline = computeDeadline({ ...clockParts(doc), pausedMs, pausedAt: null });
      return {
        filter: { status: "in_progress", pausedAt: doc.pausedAt },
        set: { pausedAt: null, pausedMs, deadline },
        event: { type: "resume", data: { by: actor.id, pausedMs } },
      };
    });
    if (res.event) await emitClock(attemptId, "考试已恢复");
    return res.event !== null;
  }

  /** Adds minutes to an attempt's clock (extension or outage credit). */
  async function credit(
    actor: Actor,
    attemptId: string,
    minutes: number,
    reason: string,
    kind: "extend" | "credit",
    extra: Record<string, unknown> = {},
  ): Promise<boolean> {
    const res = await mutate(attemptId, (doc) => {
      if (doc.status !== "in_progress" && doc.status !== "checked_in" && doc.status !== "ready") return null;
      const creditedMinutes = (doc.creditedMinutes ?? 0) + minutes;
      const deadline = computeDeadline({ ...clockParts(doc), creditedMinutes });
      return {
        filter: { status: doc.status },
        set: { creditedMinutes, deadline },
        event: { type: kind, data: { by: actor.id, minutes, reason, ...extra } },
      };
    });
    if (res.event)
      await emitClock(
        attemptId,
        kind === "extend" ? `延长考试时间 ${minutes} 分钟：${reason}` : `断线补时 ${minutes} 分钟：${reason}`,
      );
    return res.event !== null;
  }

  async function addPendingExtension(
    actor: Actor,
    attemptId: string,
    minutes: number,
    reason: string,
  ): Promise<{ requestId: string } | null> {
    const requestId = `ext_${randomBytes(6).toString("hex")}`;
    const res = await Attempts.updateOne(
      { _id: attemptId, status: { $in: ["checked_in", "ready", "in_progress"] } },
      {
        $push: {
          pendingExtensions: {
            requestId,
            minutes,
            reason,
            requestedBy: actor.id,
            requestedByName: actor.name,
            requestedAt: now(),
          },
        },
      },
    );
    if (res.matchedCount !== 1) return null;
    void emitSeat(attemptId);
    return { requestId };
  }

  /** Removes a pending extension atomically (only one approver can take it) and returns it. */
  async function takePendingExtension(
    attemptId: string,
    requestId: string,
  ): Promise<{ minutes: number; reason: string; requestedBy: string } | null> {
    const before = await Attempts.findOneAndUpdate(
      { _id: attemptId, "pendingExtensions.requestId": requestId },
      { $pull: { pendingExtensions: { requestId } } },
      { returnDocument: "before", projection: { pendingExtensions: 1 } },
    ).lean<Pick<AttemptDoc, "pendingExtensions">>();
    const p = before?.pendingExtensions.find((x) => x.requestId === requestId);
    void emitSeat(attemptId);
    return p ? { minutes: p.minutes, reason: p.reason, requestedBy: p.requestedBy } : null;
  }

  async function forceSubmit(actor: Actor, attemptId: string): Promise<boolean> {
    return closeAttempt(attemptId, "forced", actor);
  }

  /** Voids an attempt for misconduct (违纪): closed without a result, never counted as a pass. */
  async function voidAttempt(actor: Actor, attemptId: string, note: string): Promise<boolean> {
    const res = await mutate(attemptId, (doc, at) =>
      doc.status === "voided" || doc.status === "submitting"
        ? null
        : {
            filter: { status: doc.status },
            set: { status: "voided", voidedAt: at, voidNote: note, closeReason: "voided" },
            event: { type: "void", data: { by: actor.id, note, previous: doc.status } },
          },
    );
    if (!res.event) return false;
    await Results.deleteOne({ attemptId, official: false });
    deps.notifier.toRoom(rooms.attempt(attemptId), "attempt:closed", {
      attemptId,
      status: "voided",
      closeReason: "voided",
      result: null,
      serverTime: now().getTime(),
    });
    void emitSeat(attemptId);
    return true;
  }

  // ---- presence (seat map "disconnected since"; outage credit) ----

  async function markOnline(attemptId: string): Promise<void> {
    docCache.delete(attemptId);
    const at = now();
    const doc = await Attempts.findOneAndUpdate(
      { _id: attemptId },
      { $set: { online: true, disconnectedAt: null, seenAt: at, heldBy: instanceId } },
      { returnDocument: "before", projection: { disconnectedAt: 1 } },
    ).lean<Pick<AttemptDoc, "disconnectedAt">>();
    if (doc?.disconnectedAt) {
      await Attempts.updateOne({ _id: attemptId, "away.to": null }, { $set: { "away.$.to": at } });
    }
    void emitSeat(attemptId);
  }

  /** This instance's heartbeat: one tiny write however many candidates it holds. */
  async function heartbeat(): Promise<void> {
    await Instances.updateOne({ _id: instanceId }, { $set: { seenAt: now() } }, { upsert: true });
  }

  /** Instances that beat recently: seats held by any other instance are shown as disconnected. */
  async function liveInstances(): Promise<Set<string>> {
    const since = new Date(now().getTime() - PRESENCE_STALE_MS);
    return new Set(
      (await Instances.find({ seenAt: { $gte: since } }, { _id: 1 }).lean<{ _id: string }[]>()).map(
        (d) => d._id,
      ),
    );
  }

  async function markOffline(attemptId: string): Promise<void> {
    docCache.delete(attemptId);
    const at = now();
    const res = await Attempts.updateOne(
      { _id: attemptId, online: true },
      { $set: { online: false, disconnectedAt: at } },
    );
    if (res.modifiedCount === 1) {
      await Attempts.updateOne(
        { _id: attemptId, status: "in_progress" },
        { $push: { away: { from: at, to: null, credited: false } } },
      );
    }
    void emitSeat(attemptId);
  }

  /** Records that away intervals up to `until` were credited, so they are not proposed again. */
  async function markOutageCredited(attemptId: string, until: Date): Promise<void> {
    await Attempts.updateOne({ _id: attemptId }, { $max: { outageCreditedUntil: until } });
  }

  // ---- reads for the proctor console, reports and statistics ----

  async function listSessionAttempts(sessionId: string): Promise<AttemptLean[]> {
    return Attempts.find({ sessionId }, LIGHT).sort({ checkedInAt: 1 }).lean<AttemptLean[]>();
  }

  async function seatViews(sessionId: string): Promise<SeatViewDto[]> {
    const live = await liveInstances();
    return (await listSessionAttempts(sessionId)).map((a) => toSeatView(a, now(), live));
  }

  async function events(attemptId: string): Promise<ChainEvent[]> {
    const doc = await Attempts.findById(attemptId, { events: 1 }).lean<Pick<AttemptDoc, "events">>();
    if (!doc) throw errors.notFound("考试记录", "attempt_not_found");
    return doc.events as ChainEvent[];
  }

  /** Item responses of finished attempts of a category: the question bank's statistics port. */
  async function itemResponses(categoryCode: CategoryCode): Promise<ItemResponse[]> {
    const docs = await Attempts.find({ categoryCode, status: "submitted" }, { answers: 1, result: 1 }).lean<
      Pick<AttemptDoc, "_id" | "answers" | "result">[]
    >();
    const papers = new Map(
      (
        await Papers.find({ _id: { $in: docs.map((d) => d._id) } }, { paper: 1 }).lean<
          { _id: string; paper: Paper }[]
        >()
      ).map((p) => [p._id, p.paper]),
    );
    const out: ItemResponse[] = [];
    for (const d of docs) {
      const paper = papers.get(d._id);
      if (!paper) continue;
      const items = (d.result?.items ?? []) as { index: number; correct: boolean; awarded: number }[];
      paper.questions.forEach((q, i) => {
        const item = items[i];
        out.push({
          attemptId: d._id,
          questionId: q.questionId,
          version: q.version,
          optionOrder: q.optionOrder,
          chosen: [...(d.answers[i]?.choice ?? [])],
          correct: item?.correct ?? false,
          awarded: item?.awarded ?? 0,
          totalScore: d.result?.score ?? 0,
        });
      });
    }
    return out;
  }

  async function photo(attemptId: string): Promise<{ contentType: string; data: Buffer } | null> {
    const p = await Photos.findOne({ attemptId }).lean();
    return p ? { contentType: p.contentType, data: Buffer.from(p.data as unknown as Uint8Array) } : null;
  }

  return {
    instanceId,
    models: { Attempts, Results, Publications, Papers },
    checkIn,
    retakeCheck,
    confirm,
    release,
    view,
    findCandidateAttempt,
    ownerOf,
    saveAnswer: (attemptId: string, p: { seq: number; index: number; choice: string[] }) =>
      save(attemptId, p),
    saveFlag: (attemptId: string, p: { seq: number; index: number; flagged: boolean }) => save(attemptId, p),
    submitByCandidate,
    closeAttempt,
    sweepOnce,
    pause,
    resume,
    credit,
    addPendingExtension,
    takePendingExtension,
    forceSubmit,
    voidAttempt,
    markOnline,
    markOffline,
    heartbeat,
    liveInstances,
    markOutageCredited,
    listSessionAttempts,
    seatViews,
    events,
    itemResponses,
    photo,
    isPublished,
  };
}
export type ExamService = ReturnType<typeof createExamService>;

/**
 * This instance's copy of an attempt after a successful update: `$set` (dotted paths into
 * objects and arrays), `$addToSet` and `$max` applied to a clone of what was read.
 */
export function applyLocally(
  doc: AttemptLean,
  set: Record<string, unknown>,
  addToSet?: Record<string, unknown>,
  max?: Record<string, number>,
): AttemptLean {
  const copy = structuredClone(doc) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) {
    const parts = path.split(".");
    let target: Record<string, unknown> | unknown[] = copy;
    for (const part of parts.slice(0, -1))
      target = (target as Record<string, unknown>)[part] as Record<string, unknown>;
    (target as Record<string, unknown>)[parts.at(-1) as string] = value;
  }
  for (const [field, value] of Object.entries(addToSet ?? {})) {
    const list = (copy[field] ?? []) as unknown[];
    if (!list.includes(value)) list.push(value);
    copy[field] = list;
  }
  for (const [field, value] of Object.entries(max ?? {}))
    copy[field] = Math.max(Number(copy[field] ?? 0), value);
  return copy as unknown as AttemptLean;
}

/** A question id as a field name of the exposure counter (no `.` or leading `$`). */
export function exposureKey(questionId: string): string {
  return questionId.replace(/[.$]/g, "_");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

export { AppError };
