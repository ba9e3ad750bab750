import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import { calendarDateText } from "../contracts/calendar-text.js";
import type { BlueprintRef } from "../contracts/scheduling.js";
import { AppError, errors } from "../lib/errors.js";
import { localDate } from "../lib/local-time.js";
import type { AttemptDoc } from "./attempt.model.js";
import type { ExamCore } from "./exam-core.js";
import { checkRetake, type PastAttempt, type RetakePolicy } from "./retake.js";

/** The session a retake is judged for at scheduling time: its category, start and blueprint. */
export interface RetakeSession {
  categoryCode: CategoryCode;
  startsAt: Date;
  blueprint: BlueprintRef | null;
}

/**
 * The retake policy (already passed, retake wait) on the candidates' finished attempts: asked at
 * check-in (check-in.ts) and, through the scheduling feature's ports, when a candidate is seated
 * (`retakeCheck`) and when a session with seated candidates moves (`retakeBlockersOf`).
 */
export function createRetakeChecks(core: ExamCore) {
  const { Attempts } = core.store;
  const { deps } = core;
  const timeZone = core.ctx.config.timeZone;

  /**
   * The candidates' finished attempts of the category, as the retake rules read them: one read for
   * all (inside the caller's transaction `tx` when given: check-in reads them again there).
   */
  async function pastAttemptsOf(
    candidateIds: string[],
    categoryCode: string,
    tx: ClientSession | null = null,
  ): Promise<Map<string, PastAttempt[]>> {
    const rows = await Attempts.find(
      { candidateId: { $in: candidateIds }, categoryCode, status: "submitted" },
      { candidateId: 1, submittedAt: 1, "result.passed": 1 },
    )
      .session(tx)
      .lean<Pick<AttemptDoc, "candidateId" | "submittedAt" | "result">[]>();
    const past = new Map<string, PastAttempt[]>();
    for (const p of rows) {
      // A sitting closed ungraded for review (result null: its paper changed) is no failure.
      if (!p.submittedAt || !p.result) continue;
      const id = String(p.candidateId);
      past.set(id, [
        ...(past.get(id) ?? []),
        { submittedAt: p.submittedAt, passed: p.result.passed ?? false },
      ]);
    }
    return past;
  }

  async function pastAttempts(
    candidateId: string,
    categoryCode: string,
    tx: ClientSession | null = null,
  ): Promise<PastAttempt[]> {
    return (await pastAttemptsOf([candidateId], categoryCode, tx)).get(candidateId) ?? [];
  }

  /**
   * Refuses `sitting_open` while the candidate sits the category in another session: checked in,
   * released, answering or being handed in there. Only finished attempts count as past, so such a
   * sitting was invisible, and a candidate could be checked into two sittings of one category (and
   * pass both, or fail both into a wait nobody judged). A check-in that can no longer start (its
   * session cancelled, or over) does not hold the candidate.
   */
  async function assertNoOpenSitting(
    candidateId: string,
    categoryCode: string,
    sessionId: string,
    at: Date,
    tx: ClientSession | null = null,
  ): Promise<void> {
    const open = await Attempts.find(
      {
        candidateId,
        categoryCode,
        sessionId: { $ne: sessionId },
        status: { $in: ["checked_in", "ready", "in_progress", "submitting"] },
      },
      { sessionId: 1, status: 1 },
    )
      .session(tx)
      .lean<Pick<AttemptDoc, "_id" | "sessionId" | "status">[]>();
    for (const other of open) {
      if (other.status === "checked_in" || other.status === "ready") {
        const s = await deps.scheduling.getSession(other.sessionId);
        const over = s
          ? new Date(s.startsAt).getTime() + (s.lateEntryMinutes + s.durationMinutes) * 60_000
          : 0;
        if (!s || s.status === "cancelled" || at.getTime() >= over) continue;
      }
      throw errors.conflict(
        "sitting_open",
        "该考生正在另一场次参加本类别考试（已入场或尚未交卷），该场次结束前不能再入场",
        { sessionId: other.sessionId },
      );
    }
  }

  /**
   * Refuses with `already_passed` once a finished attempt of the category passed: at scheduling, and
   * again at check-in, since a candidate seated in two sittings may pass the first before the second.
   */
  function assertNotPassed(past: readonly PastAttempt[], then: string): void {
    const passed = past.find((p) => p.passed);
    if (passed)
      throw errors.unprocessable(
        "already_passed",
        `该考生已于 ${calendarDateText(localDate(passed.submittedAt, timeZone))} 通过本类别考试，${then}`,
      );
  }

  /** Refuses with `retake_wait` while the candidate's failed runs in this category still have to wait. */
  function assertRetakeAllowed(policy: RetakePolicy, past: readonly PastAttempt[], at: Date): void {
    const decision = checkRetake(policy, past, at);
    if (!decision.allowed) {
      throw errors.unprocessable(
        "retake_wait",
        // The day as the exam office counts it: a UTC date is the day before after 16:00 here.
        `补考次数已用完，须于 ${calendarDateText(localDate(decision.until, timeZone))} 之后再考`,
        { until: decision.until.toISOString() },
      );
    }
  }

  /**
   * Whether the candidate may sit the session's category again, at scheduling time (the scheduling
   * feature's `retakeCheck` port): refuses `already_passed` once a finished attempt of the category
   * passed (automatic seating gave such candidates a seat and an admission ticket), and
   * `retake_wait` when a failed run still has to wait on the session's start (a session next
   * month may be booked today) under the session's blueprint (the current one while it has none).
   */
  async function retakeCheck(candidateId: string, session: RetakeSession): Promise<void> {
    const refusal = (await retakeBlockersOf([candidateId], session)).get(candidateId);
    if (refusal) throw refusal;
  }

  /**
   * `retakeCheck` for many candidates at once (a moved session judges everyone seated again): each
   * refused candidate's refusal, by id, in one read of the attempts and at most two of the
   * blueprint. A policy that cannot be read refuses each candidate not refused already, as it did
   * each one asked alone; any other failure throws.
   */
  async function retakeBlockersOf(
    candidateIds: string[],
    session: RetakeSession,
  ): Promise<Map<string, AppError>> {
    const refusals = new Map<string, AppError>();
    if (candidateIds.length === 0) return refusals;
    const pastOf = await pastAttemptsOf(candidateIds, session.categoryCode);
    const judge = (check: (past: PastAttempt[]) => void) => {
      for (const id of candidateIds.filter((c) => !refusals.has(c)))
        try {
          check(pastOf.get(id) ?? []);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          refusals.set(id, err);
        }
    };
    judge((past) => assertNotPassed(past, "无需再次安排"));
    if (refusals.size === candidateIds.length) return refusals;
    const readPolicy = async () => {
      const blueprint = session.blueprint ?? (await deps.papers.currentBlueprint(session.categoryCode));
      return blueprint ? (await deps.papers.policies(blueprint)).retake : null;
    };
    const policy = await readPolicy().catch((err: unknown) => {
      if (err instanceof AppError) return err;
      throw err;
    });
    judge((past) => {
      if (policy instanceof AppError) throw policy;
      if (policy) assertRetakeAllowed(policy, past, session.startsAt);
    });
    return refusals;
  }

  return {
    pastAttempts,
    assertNoOpenSitting,
    assertNotPassed,
    assertRetakeAllowed,
    retakeCheck,
    retakeBlockersOf,
  };
}
