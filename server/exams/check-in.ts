import { randomBytes } from "node:crypto";
import type { ClientSession } from "mongoose";
import type { Paper } from "../contracts/paper.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type { BlueprintRef, ExamSessionDto, SeatAssignmentDto } from "../contracts/scheduling.js";
import { errors } from "../lib/errors.js";
import { checkInPhotoModel, exposureModel, type AttemptDoc } from "./attempt.model.js";
import { LIGHT } from "./attempt-store.js";
import { claimSeat, liveSession, type ExamCore } from "./exam-core.js";
import { nextEvent, paperHash } from "./event-chain.js";
import { rooms, type Actor, type CheckInInput, type CheckInOutcome } from "./ports.js";
import { toSeatView, type AttemptLean } from "./presenters.js";
import { createRetakeChecks } from "./retake-checks.js";
import { touchSittingGuard } from "./sitting-guard.js";
import type { Commit } from "./unit-of-work.js";

/** A question id as a field name of the exposure counter (no `.` or leading `$`). */
export function exposureKey(questionId: string): string {
  return questionId.replace(/[.$]/g, "_");
}

/**
 * A session's exposure counts are spread over this many documents, by seat number, so that
 * check-ins of neighbouring seats do not write the same counter (and conflict); a check-in sums them.
 */
const EXPOSURE_SHARDS = 16;

/** The counter documents of a session; the first keeps the session's id (counts from before the split). */
export function exposureShards(sessionId: string): string[] {
  return Array.from({ length: EXPOSURE_SHARDS }, (_, i) => exposureShardOf(sessionId, i));
}

function exposureShardOf(sessionId: string, seatNo: number): string {
  const shard = seatNo % EXPOSURE_SHARDS;
  return shard === 0 ? sessionId : `${sessionId}:${shard}`;
}

/**
 * The minutes a blueprint approves for an accommodation. Only the map's own entries count: a key
 * such as `constructor` or `__proto__` names an Object prototype member, not an approval.
 */
function approvedMinutes(accommodations: Record<string, number>, key: string): number {
  const minutes: unknown = Object.hasOwn(accommodations, key) ? accommodations[key] : undefined;
  if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 0)
    throw errors.badRequest("unknown_accommodation", "组卷方案未批准该照顾措施");
  return minutes;
}

/**
 * A second check-in of a checked-in candidate answers with the existing attempt (a proctor's page
 * repeating one whose answer it missed). One that adds what the first did not (an accommodation,
 * another seat, an on-site photo) would be answered as done while none of it was applied: the
 * accommodation's minutes never reached the clock. It is refused instead.
 */
function assertSameCheckIn(existing: AttemptLean, input: CheckInInput): void {
  const differs =
    (input.accommodation ?? null) !== (existing.accommodation ?? null) ||
    (input.seatId !== undefined && input.seatId !== existing.seatId) ||
    (input.photo !== undefined && !existing.onSitePhoto);
  if (differs)
    throw errors.conflict(
      "already_checked_in",
      "该考生已核验入场；照顾措施、座位和现场照片须在核验时一并提交，现在不能补充（延时请用“延长时间”）",
    );
}

/** Check-in (入场核验) and the retake policy, which check-in and scheduling both enforce. */
export function createCheckIn(core: ExamCore) {
  const { store, papers, deps, now } = core;
  const { Attempts } = store;
  const Exposure = exposureModel(core.ctx.conn);
  const Photos = checkInPhotoModel(core.ctx.conn);

  // The retake rules check-in enforces again at the door (retake-checks.ts).
  const retakes = createRetakeChecks(core);
  const { pastAttempts, assertNoOpenSitting, assertNotPassed, assertRetakeAllowed } = retakes;

  /**
   * The blueprint version the session's papers are drawn from: pinned when it was scheduled, or,
   * for a session scheduled before its category had one, pinned now to the current one (the first
   * check-in decides for the whole sitting).
   */
  async function sessionBlueprint(session: ExamSessionDto, by: Actor): Promise<BlueprintRef> {
    if (session.blueprint) return session.blueprint;
    const current = await deps.papers.currentBlueprint(session.categoryCode);
    if (!current)
      throw errors.notFound(`类别 ${CATEGORIES[session.categoryCode]} 的组卷方案`, "blueprint_not_found");
    const pinned = await deps.scheduling.pinBlueprint(
      session.id,
      { id: current.id, version: current.version },
      by,
    );
    if (!pinned) throw errors.conflict("session_cancelled", "本场次已取消");
    return pinned;
  }

  /** The new (or existing) attempt's seat, as the proctor console sees it. */
  const outcome = (attempt: AttemptLean, assignment: SeatAssignmentDto): CheckInOutcome => ({
    attemptId: attempt._id,
    seat: toSeatView(attempt, now()),
    photoId: assignment.photoId ?? null,
  });

  /**
   * The candidate's attempt in the session, if any. A voided one counts too: a candidate whose
   * sitting was voided for misconduct (违纪作废) is refused, not handed a fresh paper in the same room.
   */
  async function currentAttempt(
    sessionId: string,
    candidateId: string,
    tx: ClientSession | null,
  ): Promise<AttemptLean | null> {
    const found = await Attempts.findOne({ sessionId, candidateId }, LIGHT).session(tx).lean<AttemptLean>();
    if (found?.status === "voided")
      throw errors.conflict("attempt_voided", "该考生本场考试已因违纪作废，不得再次入场");
    return found;
  }

  /**
   * Proctor check-in (入场核验): the typed ID number must match the registration, the candidate is
   * bound to a seat, the retake policy is enforced and the paper is assembled and frozen now. A
   * second check-in of the same candidate returns the existing attempt.
   *
   * The checks and the paper's assembly run first, outside any transaction (assembly is the costly
   * part, and audited transactions are queued per process); then `commit` runs the writes (paper,
   * attempt, exposure count, photo) in the caller's unit of work, with its audit entry.
   */
  async function checkIn(
    actor: Actor,
    opened: ExamSessionDto,
    input: CheckInInput,
    commit: Commit<CheckInOutcome>,
  ): Promise<CheckInOutcome> {
    const session = await liveSession(core, opened.id);
    const assignments = await deps.scheduling.listAssignments(session.id);
    const assignment = assignments.find((a) => a.candidateId === input.candidateId);
    if (!assignment) throw errors.unprocessable("not_assigned", "该考生未被安排在本场次");
    if (assignment.idNumber.toUpperCase() !== input.idNumber.trim().toUpperCase()) {
      throw errors.unprocessable("identity_mismatch", "身份证号码与报名信息不一致");
    }
    // Another seat is a change of the seat plan: seating checks that it is in the room and free
    // (and its seat number); a check-in naming one would record a seat nobody checked.
    if (input.seatId !== undefined && input.seatId !== assignment.seatId) {
      throw errors.unprocessable("not_assigned_seat", "只能在安排的座位入场；如需调换座位，请先在排座中调整");
    }
    const existing = await currentAttempt(session.id, input.candidateId, null);
    if (existing) {
      assertSameCheckIn(existing, input);
      // Nothing is written (a photo sent again is discarded), so nothing is committed or audited:
      // committing it appended a second `exam.check_in` entry describing a photo never stored.
      return { ...outcome(existing, assignment), repeated: true };
    }

    const at = now();
    const startsAt = new Date(session.startsAt).getTime();
    // Check-in opens when candidate login does (config exam.checkInOpensMinutes): a paper frozen
    // hours ahead, for a candidate who cannot yet sit, only waits for a release that could not
    // come before then anyway (EXAM_EARLY_RELEASE_MAX_MINUTES is bounded by the same window).
    const opens = core.ctx.config.exam.checkInOpensMinutes;
    if (at.getTime() < startsAt - opens * 60_000) {
      throw errors.unprocessable("check_in_too_early", `入场核验在开考前 ${opens} 分钟开始，请到时再核验`, {
        startsAt: session.startsAt,
        opensAt: new Date(startsAt - opens * 60_000).toISOString(),
      });
    }
    // Exam-room practice: no entry later than `lateEntryMinutes` after the start (counts as absent).
    if (at.getTime() > startsAt + session.lateEntryMinutes * 60_000) {
      throw errors.unprocessable("late_entry", `开考 ${session.lateEntryMinutes} 分钟后不得入场`);
    }
    const seenPapers = await papers.Papers.find(
      { candidateId: input.candidateId, categoryCode: session.categoryCode },
      { "paper.questions.questionId": 1 },
    ).lean<{ paper: Paper }[]>();

    const seed = randomBytes(12).toString("hex");
    const exposure = new Map<string, number>();
    const shards = await Exposure.find({ _id: { $in: exposureShards(session.id) } }).lean<
      { counts?: Record<string, number> }[]
    >();
    for (const shard of shards)
      for (const [key, count] of Object.entries(shard.counts ?? {}))
        exposure.set(key, (exposure.get(key) ?? 0) + count);
    const avoid = [...new Set(seenPapers.flatMap((p) => p.paper.questions.map((q) => q.questionId)))];
    // Counter keys are the question ids (sanitised only if an id had `.` or `$`; such an id then
    // counts as unexposed, which merely weakens a balancing preference).
    const blueprintRef = await sessionBlueprint(session, actor);
    const paper = await deps.papers.buildPaper({
      categoryCode: session.categoryCode,
      blueprintRef,
      seed,
      avoidQuestionIds: avoid,
      exposure,
    });
    const policies = await deps.papers.policies({ id: paper.blueprintId, version: paper.blueprintVersion });
    /**
     * The retake rules, and no other sitting of the category open: judged here before the writes
     * (a refusal costs nothing more), and again inside the commit's transaction on what it reads
     * (`tx`), where the (candidate, category) guard it writes makes a check-in or a closing of the
     * candidate's category committing meanwhile conflict with this one (sitting-guard.ts).
     */
    const assertMaySit = async (tx: ClientSession | null) => {
      await assertNoOpenSitting(input.candidateId, session.categoryCode, session.id, at, tx);
      const past = await pastAttempts(input.candidateId, session.categoryCode, tx);
      assertNotPassed(past, "不再入场");
      assertRetakeAllowed(policies.retake, past, at);
    };
    await assertMaySit(null);
    const accommodationMinutes = input.accommodation
      ? approvedMinutes(policies.accommodations, input.accommodation)
      : 0;

    const seatId = assignment.seatId;
    const attemptId = `att_${randomBytes(10).toString("hex")}`;
    // The chain commits to the frozen paper itself (keys, option orders), not only to its seed:
    // assembly also weighs earlier papers and exposure, so the seed alone cannot rebuild it.
    const first = nextEvent(
      null,
      "check_in",
      {
        by: actor.id,
        seatId,
        paperSeed: seed,
        blueprint: `${paper.blueprintId}@${paper.blueprintVersion}`,
        paperHash: paperHash(paper),
      },
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
      seatNo: assignment.seatNo,
      photoId: assignment.photoId ?? null,
      onSitePhoto: Boolean(input.photo),
      status: "checked_in" as const,
      paperSeed: seed,
      questionCount: paper.questions.length,
      multipleScoring: paper.multipleScoring,
      // The session's length rules (the room is booked for it and the ticket prints it); the
      // blueprint's minutes only suggest a default when the officer schedules the session.
      minutes: session.durationMinutes,
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
    await core.opts.afterSessionCheck?.(session.id);
    return commit(async (uow) => {
      const tx = uow.session;
      // A racing check-in of the same candidate committed first: keep the one that won.
      const winner = await currentAttempt(session.id, input.candidateId, tx);
      if (winner) {
        assertSameCheckIn(winner, input);
        return outcome(winner, assignment);
      }
      await touchSittingGuard(core.ctx.conn, input.candidateId, session.categoryCode, tx);
      await assertMaySit(tx);
      // Paper, attempt, exposure count and photo commit together (with the audit entry) or not at
      // all, and only while the session is still scheduled and the seat still the candidate's: a
      // refused or failed check-in leaves nothing behind in any collection. Two check-ins of the
      // same candidate racing both claim the seat, so the loser meets a write conflict, is retried
      // whole, and finds the winner's attempt above; other candidates' check-ins claim other seats.
      await claimSeat(core, session, input.candidateId, tx, blueprintRef);
      await papers.Papers.create(
        [
          {
            _id: attemptId,
            sessionId: session.id,
            candidateId: input.candidateId,
            categoryCode: session.categoryCode,
            paper,
          },
        ],
        { session: tx },
      );
      const [inserted] = await Attempts.create([doc], { session: tx });
      if (!inserted) throw new Error("the attempt was not created");
      await Exposure.updateOne(
        { _id: exposureShardOf(session.id, assignment.seatNo) },
        {
          $inc: Object.fromEntries(paper.questions.map((q) => [`counts.${exposureKey(q.questionId)}`, 1])),
        },
        { upsert: true, session: tx },
      );
      if (input.photo)
        await Photos.create(
          [
            {
              attemptId,
              contentType: input.photo.contentType,
              data: input.photo.data,
              takenBy: actor.id,
              at,
            },
          ],
          { session: tx },
        );
      // What was just written, defaults and timestamps included, without reading the attempt
      // back inside the transaction that holds the process's audit queue.
      const { events: _events, ...created } = inserted.toObject<AttemptLean & { events?: unknown }>();
      uow.afterCommit(() => {
        papers.cacheQuestions(attemptId, paper);
        deps.notifier.toRoom(rooms.session(session.id), "session:seat", toSeatView(created, now()));
        deps.notifier.toRoom(rooms.candidate(input.candidateId), "attempt:clock", {
          attemptId,
          status: created.status,
          serverTime: at.getTime(),
          deadline: null,
          paused: false,
          remainingMs: null,
          version: created.chainN,
          reason: "已通过身份核验",
        });
      });
      return outcome(created, assignment);
    });
  }

  /** The candidates with a passed, finished attempt of the category (automatic seating leaves them out). */
  async function passedCandidates(categoryCode: CategoryCode): Promise<Set<string>> {
    const rows = await Attempts.find(
      { categoryCode, status: "submitted", "result.passed": true },
      { candidateId: 1, _id: 0 },
    ).lean<Pick<AttemptDoc, "candidateId">[]>();
    return new Set(rows.map((r) => String(r.candidateId)));
  }

  return {
    checkIn,
    retakeCheck: retakes.retakeCheck,
    retakeBlockersOf: retakes.retakeBlockersOf,
    passedCandidates,
  };
}
