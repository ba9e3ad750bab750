import type { AttemptClosedDto, CandidateAttemptDto, SeatViewDto } from "../contracts/exams.js";
import type { CategoryCode } from "../contracts/categories.js";
import type { ItemResponse } from "../contracts/item-stats.js";
import type { Paper } from "../contracts/paper.js";
import { errors } from "../lib/errors.js";
import { binaryToBuffer } from "../lib/mongo.js";
import { checkInPhotoModel, type AttemptDoc } from "./attempt.model.js";
import { LIGHT } from "./attempt-store.js";
import {
  awaitsOutageApproval,
  outageHoldEnds,
  readAwayIntervals,
  seatsOwedOutageCredit,
  type AwayIntervalDto,
} from "./presence.js";

export type { AwayIntervalDto };
import type { ExamCore } from "./exam-core.js";
import type { UnitOfWork } from "./unit-of-work.js";
import { paperHash, paperOnRecord, type ChainEvent, type PaperOnRecord } from "./event-chain.js";
import { toAttemptClosed, toSeatView, type AttemptLean } from "./presenters.js";
import type { ReportAttempt } from "./report.js";

/** How long a paused attempt's login is held before its deadline is asked again. */
const PAUSED_LOGIN_HOLD_MS = 10 * 60_000;
/** How long the login of an attempt held open past its deadline for an outage is held at a time. */
const OUTAGE_LOGIN_HOLD_MS = 60_000;

/**
 * Reads of exam delivery for the candidate, the proctor console, reports and statistics. Each
 * returns a DTO or plain data: no caller outside this feature sees an attempt document.
 */
export function createQueries(core: ExamCore, liveInstances: () => Promise<Set<string>>) {
  const { store, papers, results, now } = core;
  const { Attempts } = store;
  const Photos = checkInPhotoModel(core.ctx.conn);

  const sessionAttempts = (sessionId: string) =>
    Attempts.find({ sessionId }, LIGHT).sort({ checkedInAt: 1 }).lean<AttemptLean[]>();

  /** The candidate's view of an attempt as read (official result once the session is published). */
  async function viewOf(doc: AttemptLean): Promise<CandidateAttemptDto> {
    await core.opts.beforeCandidateView?.(doc._id);
    return papers.candidateView(
      doc,
      doc.status === "submitted" && (await results.isPublished(doc.sessionId)),
    );
  }

  /** The candidate's view of their attempt, read now. */
  async function view(attemptId: string): Promise<CandidateAttemptDto> {
    return viewOf(await store.load(attemptId));
  }

  /**
   * `sittingUntil` for several of one candidate's sessions in one read: the sessions where they
   * are still sitting, each with until when (sessions they are not sitting are left out).
   * Scheduling's open-seat check asks it for every admitted sitting past its nominal end at once:
   * asked one session at a time, a candidate with a long history cost a read per sitting.
   */
  async function sittingsUntil(
    candidateId: string,
    sessionIds: readonly string[],
  ): Promise<Map<string, Date>> {
    const until = new Map<string, Date>();
    if (sessionIds.length === 0) return until;
    const open = await Attempts.find(
      { candidateId, sessionId: { $in: [...sessionIds] }, status: { $in: ["in_progress", "submitting"] } },
      { sessionId: 1, status: 1, deadline: 1, pausedAt: 1, "pendingExtensions.outage": 1 },
    ).lean<OpenAttempt[]>();
    const at = core.now().getTime();
    for (const attempt of open) {
      const holds = holdsUntil(attempt, at, core.grace) ?? (await outageLoginHold(attempt, at));
      const earlier = until.get(attempt.sessionId);
      if (holds && (!earlier || holds > earlier)) until.set(attempt.sessionId, holds);
    }
    return until;
  }

  /**
   * Until when the login of an attempt in progress past its deadline and grace holds, while the
   * deadline sweep holds the attempt open for an outage (closing.ts outageHolds, the same rule): a
   * candidate back from the outage logs in again to be given the credit. A minute at a time (asked
   * again then), never past the hold's end; the deadline refuses every save meanwhile, so the login
   * gives no time. Null when it is not held (a read of the session's drops only in that rare case).
   */
  async function outageLoginHold(a: OpenAttempt, at: number): Promise<Date | null> {
    if (a.status !== "in_progress" || a.pausedAt || !a.deadline) return null;
    const ends = outageHoldEnds(core, a.deadline);
    if (at > ends) return null;
    const held = awaitsOutageApproval(a) || (await seatsOwedOutageCredit(core, a.sessionId)).has(a._id);
    return held ? new Date(Math.min(at + OUTAGE_LOGIN_HOLD_MS, ends)) : null;
  }

  return {
    view,
    viewOf,

    /**
     * Until when a candidate's login must hold for their sitting of a session: their open
     * attempt's deadline plus the grace. Accommodation, extensions, credited outages, pauses and a
     * late release all move it past the session's nominal end, where the login used to stop and
     * every later save was refused. While the attempt is paused its deadline is still moving, so
     * the answer is a while from now (asked again then), and so it is while the deadline sweep
     * holds it open past its deadline for an outage (outageLoginHold). Null when no attempt is in
     * progress, and once its deadline and grace (and that hold) have passed: decided here on the database's clock, which
     * deadlines are kept in. The asker takes a date as "holds" and compares nothing of its own
     * (an instance whose clock ran ahead of the database's cut candidates off before their time).
     */
    async sittingUntil(sessionId: string, candidateId: string): Promise<Date | null> {
      return (await sittingsUntil(candidateId, [sessionId])).get(sessionId) ?? null;
    },

    sittingsUntil,

    /** The id of the candidate's current attempt in their session (newest first), or null. */
    async candidateAttemptId(sessionId: string, candidateId: string): Promise<string | null> {
      const doc = await Attempts.findOne({ sessionId, candidateId }, { _id: 1 })
        .sort({ checkedInAt: -1 })
        .lean<{ _id: string }>();
      return doc?._id ?? null;
    },

    /**
     * How the candidate's current attempt in their session closed, as `attempt:closed` told it
     * (official result once the session is published); null while it is not closed or there is
     * none. Identity tells it a page it refuses because the sitting is over: refused alone, a page
     * offline at the close took a voided attempt for one handed in at the deadline.
     */
    async closedView(sessionId: string, candidateId: string): Promise<AttemptClosedDto | null> {
      const doc = await Attempts.findOne({ sessionId, candidateId }, LIGHT)
        .sort({ checkedInAt: -1 })
        .lean<AttemptLean>();
      if (!doc) return null;
      const official = doc.status === "submitted" && (await results.isPublished(doc.sessionId));
      return toAttemptClosed(doc, now(), official);
    },

    async ownerOf(attemptId: string): Promise<{ candidateId: string; sessionId: string } | null> {
      return Attempts.findById(attemptId, { _id: 0, candidateId: 1, sessionId: 1 }).lean<{
        candidateId: string;
        sessionId: string;
      }>();
    },

    /** Ids of the session's attempts (in check-in order). */
    async attemptIds(sessionId: string): Promise<string[]> {
      const docs = await Attempts.find({ sessionId }, { _id: 1 })
        .sort({ checkedInAt: 1 })
        .lean<{ _id: string }[]>();
      return docs.map((d) => d._id);
    },

    /** The live seat map of the session's attempts (seats of dead instances shown as disconnected). */
    async seatViews(sessionId: string): Promise<SeatViewDto[]> {
      const [live, attempts] = await Promise.all([liveInstances(), sessionAttempts(sessionId)]);
      return attempts.map((a) => toSeatView(a, now(), live));
    },

    /**
     * Away intervals of in-progress attempts, credited or not, and how many attempts are in
     * progress. In a credit's transaction (`uow`) the read sees what that transaction will commit
     * against. Drops before `outageCreditedUntil` were credited by the earlier one-mark-per-attempt
     * rule (attempts from before per-drop credit): they count as credited.
     */
    async awayIntervals(
      sessionId: string,
      uow?: UnitOfWork,
    ): Promise<{ inProgress: number; intervals: AwayIntervalDto[] }> {
      return readAwayIntervals(core, sessionId, uow?.session ?? null);
    },

    /** Who asked for a pending extension (the approver must be someone else), or null when none is pending. */
    async pendingExtension(attemptId: string, requestId: string): Promise<{ requestedBy: string } | null> {
      const doc = await Attempts.findById(attemptId, { pendingExtensions: 1 }).lean<
        Pick<AttemptDoc, "pendingExtensions">
      >();
      const p = doc?.pendingExtensions.find((x) => x.requestId === requestId);
      return p ? { requestedBy: p.requestedBy } : null;
    },

    /** What the session report needs of each attempt. */
    async reportAttempts(sessionId: string): Promise<ReportAttempt[]> {
      return (await sessionAttempts(sessionId)).map((a) => ({
        attemptId: a._id,
        candidateId: a.candidateId,
        categoryCode: a.categoryCode,
        status: a.status,
        score: a.result?.score ?? null,
        totalPoints: a.result?.totalPoints ?? null,
        passed: a.result?.passed ?? null,
        chainHash: a.status === "submitted" ? a.chainHash : null,
        review: a.review?.code === "paper_changed" ? "paper_changed" : null,
      }));
    },

    /**
     * The attempt's chain and what it says of the paper stored now (`paperOnRecord`): the links
     * alone do not cover the paper, which lives in its own collection.
     */
    async chain(attemptId: string): Promise<{ events: ChainEvent[]; paper: PaperOnRecord }> {
      const [doc, stored] = await Promise.all([
        Attempts.findById(attemptId, { events: 1 }).lean<Pick<AttemptDoc, "events">>(),
        papers.Papers.findById(attemptId, { paper: 1 }).lean<{ paper: Paper }>(),
      ]);
      if (!doc) throw errors.notFound("考试记录", "attempt_not_found");
      const events = doc.events as ChainEvent[];
      // A paper gone from its collection is no paper the chain names.
      return { events, paper: stored ? paperOnRecord(events, paperHash(stored.paper)) : "changed" };
    },

    /** Item responses of finished attempts of a category: the question bank's statistics port. */
    async itemResponses(categoryCode: CategoryCode): Promise<ItemResponse[]> {
      const docs = await Attempts.find({ categoryCode, status: "submitted" }, { answers: 1, result: 1 }).lean<
        Pick<AttemptDoc, "_id" | "answers" | "result">[]
      >();
      const byId = new Map(
        (
          await papers.Papers.find({ _id: { $in: docs.map((d) => d._id) } }, { paper: 1 }).lean<
            { _id: string; paper: Paper }[]
          >()
        ).map((p) => [p._id, p.paper]),
      );
      const out: ItemResponse[] = [];
      for (const d of docs) {
        const paper = byId.get(d._id);
        // A sitting closed ungraded for review (its paper changed) says nothing of any question.
        if (!paper || !d.result) continue;
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
    },

    async photo(attemptId: string): Promise<{ contentType: string; data: Buffer } | null> {
      const p = await Photos.findOne({ attemptId }).lean();
      // A lean read gives the driver's Binary, not a Buffer: Buffer.from(Binary) was an empty
      // buffer, so every check-in photo was served as 0 bytes with status 200.
      return p ? { contentType: p.contentType, data: binaryToBuffer(p.data) } : null;
    },

    isPublished: (sessionId: string) => results.isPublished(sessionId),
  };
}

/** What `sittingsUntil` reads of an open attempt. */
type OpenAttempt = Pick<AttemptDoc, "_id" | "sessionId" | "status" | "deadline" | "pausedAt"> & {
  pendingExtensions?: { outage?: unknown }[];
};

/**
 * Until when an open attempt holds its candidate's login at `at` by its clock (see `sittingUntil`),
 * or null; an outage's hold past the deadline is asked apart (outageLoginHold).
 */
function holdsUntil(
  open: Pick<AttemptDoc, "deadline" | "pausedAt">,
  at: number,
  graceSeconds: number,
): Date | null {
  if (open.pausedAt) return new Date(at + PAUSED_LOGIN_HOLD_MS);
  if (!open.deadline) return null;
  const until = open.deadline.getTime() + graceSeconds * 1000;
  return until >= at ? new Date(until) : null;
}
