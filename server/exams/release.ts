import type { ClientSession, mongo } from "mongoose";
import type { CandidateAttemptDto } from "../contracts/exams.js";
import type { ExamSessionDto } from "../contracts/scheduling.js";
import { errors } from "../lib/errors.js";
import { computeDeadline } from "./clock.js";
import { claimSession, liveSession, type ExamCore } from "./exam-core.js";
import { nextEvent } from "./event-chain.js";
import { rooms, type Actor, type AttemptsOutcome } from "./ports.js";
import { clockParts, toCandidateAttempt, type AttemptLean } from "./presenters.js";
import type { UnitOfWork } from "./unit-of-work.js";

/** What the release reads of each attempt: the clock, the chain head and the candidate's view. */
const AT_RELEASE = { events: 0, answers: 0, seen: 0, result: 0 } as const;

/**
 * An answer slot no save has reached, as check-in writes it. One frozen slot serves every attempt
 * this instance starts, so a cached attempt holds its hundred unreached slots as one object instead
 * of two hundred (issue 17: the node's live heap per candidate); a save writes to the attempt's own
 * copy of the slot (`applyInPlace`).
 */
const UNREACHED = Object.freeze({ choice: Object.freeze([]), seq: 0, flagged: false, flagSeq: 0 });

/** The answers of an attempt no save has reached. */
function unanswered(questions: number): AttemptLean["answers"] {
  const answers = Array.from({ length: questions }, () => UNREACHED);
  // A lean read gives plain arrays; the inferred schema type names mongoose's document array.
  return answers as unknown as AttemptLean["answers"];
}
const isStartable = (status: string) => status === "checked_in" || status === "ready";

/** The way into the exam: the candidate's on-screen confirmation and the proctor's release (开考). */
export function createRelease(core: ExamCore, view: (attemptId: string) => Promise<CandidateAttemptDto>) {
  const { store, papers, seats, deps, now } = core;
  const { Attempts } = store;

  /** The candidate confirmed photo, name and ID on screen (checked_in → ready). */
  async function confirm(attemptId: string): Promise<CandidateAttemptDto> {
    await store.mutate(attemptId, (doc) =>
      doc.status === "checked_in"
        ? { filter: { status: "checked_in" }, set: { status: "ready" }, event: { type: "ready", data: {} } }
        : null,
    );
    seats.seat(attemptId);
    return view(attemptId);
  }

  /**
   * Before the scheduled start a release needs a written reason, or is refused outright when the
   * node is configured so (EXAM_EARLY_RELEASE): a room released 12 minutes early ends 12 minutes
   * before candidates who arrive on time expect, and nobody could tell why afterwards. A reason
   * never opens it earlier than EXAM_EARLY_RELEASE_MAX_MINUTES before the start (at most when
   * candidate login opens): each deadline is the release plus the session's length, so a room
   * released two hours early had spent its candidates' time before any of them could log in.
   * `at` is exam delivery's clock (the database's), as the deadlines are.
   */
  function assertReleasable(session: ExamSessionDto, at: Date, earlyReason: string | undefined): void {
    const startsAt = new Date(session.startsAt);
    if (at >= startsAt) return;
    const minutes = Math.ceil((startsAt.getTime() - at.getTime()) / 60_000);
    const { earlyRelease, earlyReleaseMaxMinutes: max } = core.ctx.config.exam;
    if (earlyRelease === "refuse" || max === 0)
      throw errors.conflict("release_too_early", `距计划开考还有 ${minutes} 分钟，本考点不允许提前开考`, {
        startsAt: session.startsAt,
      });
    const earliest = new Date(startsAt.getTime() - max * 60_000);
    if (at < earliest)
      throw errors.conflict(
        "release_too_early",
        `距计划开考还有 ${minutes} 分钟：最早可在开考前 ${max} 分钟开考，请到时再开考`,
        { startsAt: session.startsAt, earliestAt: earliest.toISOString() },
      );
    if (!earlyReason)
      throw errors.conflict(
        "early_release_reason_required",
        `距计划开考还有 ${minutes} 分钟：提前开考须填写理由`,
        { startsAt: session.startsAt },
      );
  }

  /**
   * Releases attempts (开考): stamps startedAt and the deadline of each checked-in or ready attempt
   * of the session (or only the named ones) and pushes each candidate their paper. Before the
   * scheduled start only with `earlyReason` (see assertReleasable). The writes join the caller's
   * unit of work (with its audit entry); papers are pushed once it has committed.
   */
  async function release(
    actor: Actor,
    sessionId: string,
    attemptIds: string[] | undefined,
    earlyReason: string | undefined,
    uow: UnitOfWork,
  ): Promise<AttemptsOutcome & { early: boolean }> {
    const tx = uow.session;
    const session = await liveSession(core, sessionId);
    // From here on the session's own id: the one its attempts store (the id sent may be in
    // another form the lookup also takes, such as an ObjectId in upper case).
    const { id } = session;
    // One reading decides both: read twice, the start could pass in between and a release let
    // through without a reason would be audited as early.
    const askedAt = now();
    const early = askedAt < new Date(session.startsAt);
    assertReleasable(session, askedAt, earlyReason);
    const filter: Record<string, unknown> = { sessionId: id };
    if (attemptIds) filter._id = { $in: attemptIds };
    // One read of the room. Answers, seqs and events are left out: before the start no save can
    // apply (saves need in_progress), so they are still as check-in wrote them, and the start
    // below restates that (`lastSeq: 0`) in its filter.
    const targets = await Attempts.find(filter, AT_RELEASE).session(tx).lean<AttemptLean[]>();
    const skipped = targets
      .filter((t) => !isStartable(t.status))
      .map((t) => ({ attemptId: t._id, code: "invalid_transition" }));
    for (const id of attemptIds ?? [])
      if (!targets.some((t) => t._id === id)) skipped.push({ attemptId: id, code: "attempt_not_found" });
    const docs = targets.filter((t) => isStartable(t.status));
    const affected: string[] = [];
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
    await core.opts.afterSessionCheck?.(id);
    // The whole room starts in one bulk write of conditional updates (each names the chain head it
    // read), so "everyone starts at once" costs one round trip, not one per candidate. The starts
    // commit only while the session is still scheduled (claimed in the same transaction). Like a
    // save (attempt-store's `uncast`), the write goes to the driver as is: every value already has
    // its stored type and the event its schema's field order; mongoose casting a room's updates
    // and events cost the node more than building them. `updatedAt` is set as timestamps would.
    let matched = 0;
    if (planned.length) {
      await claimSession(core, id, tx, askedAt);
      const raw = Attempts.collection as unknown as mongo.Collection<{ _id: string }>;
      const res = await raw.bulkWrite(
        planned.map(({ doc, deadline, event }) => ({
          updateOne: {
            filter: { _id: doc._id, status: doc.status, chainN: doc.chainN, lastSeq: 0 },
            update: {
              $set: {
                status: "in_progress",
                startedAt: at,
                deadline,
                chainN: event.n,
                chainHash: event.hash,
                updatedAt: at,
              },
              $push: { events: event },
            },
          },
        })),
        { ordered: false, session: tx },
      );
      matched = res.matchedCount;
    }
    // An attempt someone else changed in between keeps its own state: only those stamped now
    // started. When every update matched there is nothing to ask.
    const stamped =
      matched === planned.length
        ? new Set(planned.map((p) => p.doc._id))
        : new Set(
            (
              await Attempts.find(
                { _id: { $in: planned.map((p) => p.doc._id) }, startedAt: at, status: "in_progress" },
                { _id: 1 },
              )
                .session(tx)
                .lean<{ _id: string }[]>()
            ).map((d) => d._id),
          );
    const started: AttemptLean[] = [];
    for (const { doc, deadline, event } of planned) {
      if (!stamped.has(doc._id)) {
        skipped.push({ attemptId: doc._id, code: "invalid_transition" });
        continue;
      }
      affected.push(doc._id);
      started.push({
        ...doc,
        status: "in_progress",
        startedAt: at,
        deadline,
        chainN: event.n,
        chainHash: event.hash,
        answers: unanswered(doc.questionCount),
        seen: [],
        lastSeq: 0,
        result: null,
      });
    }
    // The room stays booked until the latest deadline, held in the release's own transaction (as
    // resume and credit do): a hold that fails refuses the release, rather than leave candidates
    // started with the room's booking not grown to their deadlines.
    await holdRoom(
      core,
      id,
      started.map((d) => d.deadline as Date),
      tx,
    );
    uow.afterCommit(async () => {
      const questions = await papers.questionsOf(started.map((d) => d._id));
      for (const doc of started) {
        // Everyone's first save follows within seconds: let it decide on this copy (see `mutate`).
        store.remember(doc);
        deps.notifier.toRoom(
          rooms.attempt(doc._id),
          "attempt:started",
          toCandidateAttempt(doc, at, questions.get(doc._id) ?? null),
        );
      }
      // The proctor console gets the room's start as one push, not one per seat.
      seats.pushSeats(id, started);
    });
    return { affected, skipped, early };
  }

  return { confirm, release };
}

/**
 * Keeps the room booked until the latest of `deadlines`. The candidates' time is never cut for it:
 * a late release or a resumed pause that overruns into another session's booking flags that
 * session (its page warns the office to move it or wait), since refusing would cost candidates
 * minutes they are owed.
 */
export async function holdRoom(
  core: ExamCore,
  sessionId: string,
  deadlines: Date[],
  tx?: ClientSession,
): Promise<boolean> {
  const latest = deadlines.reduce<Date | null>((m, d) => (m && m >= d ? m : d), null);
  if (!latest) return true;
  const held = await core.deps.scheduling.holdRoomUntil(sessionId, latest, true, tx);
  if (!held)
    core.ctx.logger.warn(
      { sessionId, until: latest.toISOString() },
      "a deadline runs into another session booked in the same room",
    );
  return held;
}
