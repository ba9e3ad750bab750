import { randomUUID } from "node:crypto";
import type { ClientSession } from "mongoose";
import type { CloseReason } from "../contracts/exams.js";
import type { Paper } from "../contracts/paper.js";
import { errors } from "../lib/errors.js";
import { enqueueEvent } from "../lib/outbox.js";
import type { AttemptDoc } from "./attempt.model.js";
import type { ExamCore } from "./exam-core.js";
import { nextEvent, paperHash, type ChainEvent } from "./event-chain.js";
import { gradePaper } from "./grading.js";
import { rooms, SYSTEM, type Actor } from "./ports.js";
import {
  awaitsOutageApproval,
  earliestHeldDeadline,
  outageHoldEnds,
  seatsOwedOutageCredit,
} from "./presence.js";
import { touchSittingGuard } from "./sitting-guard.js";
import { toCandidateAttempt, toSeatView, toSubmittedClosed } from "./presenters.js";
import type { UnitOfWork } from "./unit-of-work.js";

type Claimed = { _id: string; submitClaim?: { reason?: string | null } | null };
/** What the sweep reads of an expired attempt to ask whether an outage holds it (outageHolds). */
type Expired = Pick<AttemptDoc, "_id" | "sessionId" | "deadline"> & {
  away?: { credited?: boolean | null }[];
  pendingExtensions?: { outage?: { reason?: string } | null }[];
};

/** How long the sweep's verdict that an outage cost a seat time stands on one instance (owedUntil). */
const OUTAGE_RECHECK_MS = 10_000;

/** The outbox key of an attempt's `exam.passed`: one per attempt, however often closing is retried. */
export const passEventKey = (attemptId: string): string => `exam.passed:${attemptId}`;

/**
 * Closing an attempt: one atomic claim (in_progress → submitting) decides who closes it, then
 * grading, the result and the `exam.passed` outbox entry commit in one transaction. The deadline
 * sweeper closes expired attempts the same way and finishes closings a dead instance left half done.
 */
export function createClosing(core: ExamCore) {
  const { store, papers, results, deps, now, grace, instanceId } = core;
  const { Attempts } = store;

  /**
   * Claims the attempt for closing with one atomic findOneAndUpdate (in_progress → submitting), so
   * among all instances and the sweeper exactly one closes it; then finalises. Returns false when
   * someone else already closed or claimed it. Inside a unit of work (a proctor's force-submit) the
   * claim and the closing join its transaction, so they commit with its audit entry or not at all.
   */
  async function closeAttempt(
    attemptId: string,
    reason: CloseReason,
    actor: Actor,
    uow?: UnitOfWork,
  ): Promise<boolean> {
    const token = randomUUID();
    // A candidate's hand-in is a candidate's action, refused while the proctor holds the room
    // paused (as saves are): checked in the claim itself, or a pause between the hand-in's read
    // and its claim let it land. A proctor's force-submit still closes a paused attempt. A close at
    // the deadline (a hand-in that came too late) is refused while paused, as the sweeper's is.
    const unpaused = reason === "candidate" || reason === "deadline";
    const claimed = await Attempts.findOneAndUpdate(
      { _id: attemptId, status: "in_progress", ...(unpaused ? { pausedAt: null } : {}) },
      { $set: { status: "submitting", submitClaim: { token, at: now(), by: instanceId, reason } } },
      { returnDocument: "after", projection: { _id: 1 }, session: uow?.session },
    ).lean();
    if (!claimed) return false;
    if (uow) {
      const passed = await finalizeWithin(uow.session, attemptId, token, reason, actor);
      uow.afterCommit(() => announce(attemptId, reason, passed));
    } else await finalize(attemptId, token, reason, actor);
    return true;
  }

  /** Finalises a claimed attempt in a transaction of its own, then announces it. */
  async function finalize(
    attemptId: string,
    token: string,
    reason: CloseReason,
    actor: Actor,
  ): Promise<void> {
    let passed = false;
    await core.ctx.conn.transaction(async (session: ClientSession) => {
      passed = await finalizeWithin(session, attemptId, token, reason, actor);
    });
    await announce(attemptId, reason, passed);
  }

  /**
   * Grades and closes a claimed attempt inside `session` (ONE transaction): the attempt's final
   * state and chain head, its result record and (for a pass) the `exam.passed` outbox entry commit
   * together or not at all. Returns whether it passed.
   */
  async function finalizeWithin(
    session: ClientSession,
    attemptId: string,
    token: string,
    reason: CloseReason,
    actor: Actor,
  ): Promise<boolean> {
    // Of the event log only its first entry, the check-in, which names the paper checked in.
    const doc = await Attempts.findOne(
      { _id: attemptId, status: "submitting", "submitClaim.token": token },
      { events: { $slice: 1 } },
    )
      .session(session)
      .lean<AttemptDoc>();
    if (!doc) return false;
    const stored = await papers.Papers.findById(attemptId, { paper: 1 })
      .session(session)
      .lean<{ paper: Paper }>();
    if (!stored) throw new Error(`attempt ${attemptId} has no paper`);
    // The closing names the paper it found, so the chain shows a paper changed since check-in
    // (paperOnRecord). A changed paper is not graded: its key or order is not what the candidate
    // answered, and a grade from it is a score that looks right and is not. The attempt still
    // closes (a sitting left open for good would hold the room and its publication), with every
    // answer kept, no score and no result record, marked for the exam office to review.
    const graded = paperHash(stored.paper);
    const first = doc.events[0] as ChainEvent | undefined;
    const checkedIn = first?.type === "check_in" ? first.data.paperHash : undefined;
    const changed = typeof checkedIn === "string" && checkedIn !== graded;
    if (changed)
      core.ctx.logger.error(
        { attemptId, checkedIn, graded },
        "the paper stored is not the paper checked in: the attempt is closed ungraded, for review",
      );
    const grade = changed
      ? null
      : gradePaper(
          stored.paper,
          doc.answers.map((a) => a.choice ?? []),
        );
    const at = now();
    const event = nextEvent(
      { n: doc.chainN, hash: doc.chainHash },
      "submit",
      grade
        ? {
            reason,
            by: actor.id,
            score: grade.score,
            passed: grade.passed,
            lastSeq: doc.lastSeq,
            paperHash: graded,
          }
        : { reason, by: actor.id, review: "paper_changed", lastSeq: doc.lastSeq, paperHash: graded },
      at,
    );
    const res = await Attempts.updateOne(
      { _id: attemptId, status: "submitting", "submitClaim.token": token, chainN: doc.chainN },
      {
        $set: {
          status: "submitted",
          submittedAt: at,
          closeReason: reason,
          // A request for more time dies with the sitting: left pending, a second proctor could
          // still answer it and move the chain head of a graded (or published) attempt.
          pendingExtensions: [],
          result: grade
            ? {
                score: grade.score,
                totalPoints: grade.totalPoints,
                passMark: grade.passMark,
                passed: grade.passed,
                items: grade.items,
              }
            : null,
          review: grade ? null : { code: "paper_changed", at, checkedIn, graded },
          chainN: event.n,
          chainHash: event.hash,
        },
        $push: { events: event },
      },
      { session },
    );
    if (res.matchedCount !== 1) throw errors.conflict("attempt_busy", "考试记录正忙，请重试");
    // A pass or a failure of the category: a check-in of the candidate in it reading meanwhile
    // conflicts with this closing, and reads it when run again (sitting-guard.ts).
    await touchSittingGuard(core.ctx.conn, doc.candidateId, doc.categoryCode, session);
    // No grade, no result record: nothing of this sitting can become official or issue a certificate.
    if (!grade) return false;
    await results.record(session, {
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
    });
    if (grade.passed) {
      await enqueueEvent(
        core.ctx.conn,
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
          provinceCode: core.ctx.config.provinceCode ?? "",
        },
        passEventKey(attemptId),
      );
    }
    return grade.passed;
  }

  /** After the commit: wakes the outbox for a pass and tells the candidate and the console. */
  async function announce(attemptId: string, reason: CloseReason, passed: boolean): Promise<void> {
    if (passed) deps.onOutbox?.();
    store.forget(attemptId);
    const doc = await store.find(attemptId);
    if (!doc) return;
    const v = toCandidateAttempt(doc, now(), null);
    deps.notifier.toRoom(rooms.attempt(attemptId), "attempt:closed", toSubmittedClosed(attemptId, reason, v));
    deps.notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  /**
   * Until when (per attempt) this instance's verdict that an outage cost the seat time not yet
   * credited stands: asked again only then (OUTAGE_RECHECK_MS). Without it every pass (every
   * second, on every instance) read each held seat's session with its drops again for the whole
   * hold. The hold's end is still judged at every pass on the deadline as read. Safe to keep: a
   * seat the outage credit reaches meanwhile is either no longer expired (credited, its deadline
   * moved) or refused by the claim itself (its credit waits for approval, see sweepOnce); only a
   * rejected request is seen up to OUTAGE_RECHECK_MS later.
   */
  const owedUntil = new Map<string, number>();

  /**
   * The attempts of `expired` (each past its deadline and grace at `due`) that the sweep holds
   * open this pass instead of closing (断点续考: an outage must not cost the candidate time):
   * - a seat a room-wide outage cost time not yet credited: it has an uncredited drop among drops
   *   of at least the outage rule's `needed` seats of its session starting within the rule's
   *   window of each other (presence.ts seatsOwedOutageCredit, the grouping the proctor console
   *   proposes the credit by). So a room whose network fails before the deadline stays open while
   *   it is out and after it is back, until the proctor credits the outage: closed at its deadline,
   *   it left the proposal nothing in progress to credit, and the time owed was lost for good;
   * - a seat whose outage credit waits for a second approver (a pending request marked `outage`):
   *   closing empties pending requests, and its drops were already marked credited.
   * Each hold ends EXAM_OUTAGE_HOLD_MAX_MS after the deadline and grace: the attempt is then closed
   * like any other, so unplugging a room cannot buy unlimited time. A hold gives no time: the
   * clock the candidate sees stays at zero and saves stay refused until the credit moves the
   * deadline on (the page's journal keeps the answers made offline and sends them then). A lone
   * seat away at its deadline is no outage and is closed as before. A candidate who hands in a
   * held attempt still closes it (answers.ts handIn), recorded as closed at the deadline
   * (closeReason "deadline", not "candidate"): past its deadline and grace it takes no save, so
   * the hand-in is the same close the sweep would make, only sooner; the credit is given up with
   * it (closing empties pending requests).
   * Only expired attempts with an uncredited drop cost a read, one per session; a seat found owed
   * is not asked again for OUTAGE_RECHECK_MS (owedUntil).
   */
  async function outageHolds(expired: readonly Expired[], due: Date): Promise<Set<string>> {
    const held = new Set<string>();
    const at = due.getTime() + grace * 1000;
    const bySession = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const a of expired) {
      seen.add(a._id);
      if (!a.deadline || outageHoldEnds(core, a.deadline) < at) continue;
      if (awaitsOutageApproval(a) || (owedUntil.get(a._id) ?? 0) > at) held.add(a._id);
      else if ((a.away ?? []).some((w) => w.credited !== true))
        bySession.set(a.sessionId, [...(bySession.get(a.sessionId) ?? []), a._id]);
    }
    // Verdicts of attempts no longer expired (closed, or given time) go: the map stays as small
    // as the attempts held.
    for (const id of owedUntil.keys()) if (!seen.has(id)) owedUntil.delete(id);
    for (const [sessionId, ids] of bySession) {
      const owed = await seatsOwedOutageCredit(core, sessionId);
      for (const id of ids)
        if (owed.has(id)) {
          held.add(id);
          owedUntil.set(id, at + OUTAGE_RECHECK_MS);
        }
    }
    return held;
  }

  /**
   * One pass of the deadline sweeper: closes every expired attempt (past deadline + grace, not
   * paused) but those an outage holds (outageHolds), one at a time with findOneAndUpdate; also
   * re-claims closings left half done by a dead instance. Safe to run on every instance at once:
   * each expiry happens once. One read when nothing has expired or every expired attempt is held
   * by a standing verdict (owedUntil) or a credit waiting for approval, one more per session whose
   * drops must be asked.
   */
  async function sweepOnce(): Promise<string[]> {
    const closedIds: string[] = [];
    // Attempts expired at the pass's start only: one expiring during the pass is judged next pass,
    // never closed without its hold being asked.
    const due = new Date(now().getTime() - grace * 1000);
    const expiredAt = { status: "in_progress" as const, deadline: { $lt: due }, pausedAt: null };
    // Only what the holds ask (the {status, deadline} index finds them).
    const expired = await Attempts.find(expiredAt, {
      sessionId: 1,
      deadline: 1,
      "away.credited": 1,
      "pendingExtensions.outage": 1,
    }).lean<Expired[]>();
    if (expired.length === 0) owedUntil.clear();
    const held = expired.length > 0 ? await outageHolds(expired, due) : new Set<string>();
    const notHeld = held.size > 0 ? { _id: { $nin: [...held] } } : {};
    // The claim refuses by itself a seat whose outage credit waits for its second approver, within
    // the hold: the request and the drops it credits commit together, and such a credit landing
    // between the read above and the read of the drops (outageHolds) was seen by neither (no
    // request yet, then the drops credited): claimed, the seat was closed and its request emptied.
    const awaitingApproval = {
      "pendingExtensions.outage": { $type: "object" as const },
      deadline: { $gte: earliestHeldDeadline(core, due.getTime() + grace * 1000) },
    };
    // Plain claims (no $or) so each can use the {status, deadline} index.
    const claimExpired = (at: Date, token: string) =>
      Attempts.findOneAndUpdate(
        { ...expiredAt, ...notHeld, $nor: [awaitingApproval] },
        { $set: { status: "submitting", submitClaim: { token, at, by: instanceId, reason: "deadline" } } },
        { returnDocument: "before", projection: { _id: 1, submitClaim: 1 } },
      ).lean<Claimed>();
    const claimAbandoned = (at: Date, token: string) =>
      Attempts.findOneAndUpdate(
        { status: "submitting", "submitClaim.at": { $lt: new Date(at.getTime() - core.opts.submitLeaseMs) } },
        { $set: { "submitClaim.token": token, "submitClaim.at": at, "submitClaim.by": instanceId } },
        { returnDocument: "before", projection: { _id: 1, submitClaim: 1 } },
      ).lean<Claimed>();
    const claims = [
      ...(expired.length > held.size ? [[claimExpired, false] as const] : []),
      [claimAbandoned, true] as const,
    ];
    for (const [claim, keepReason] of claims) {
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

  return { closeAttempt, sweepOnce };
}
