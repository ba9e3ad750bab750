import type { ClientSession } from "mongoose";
import {
  OUTAGE_RULE,
  outageSeatsNeeded,
  type CandidateAttemptDto,
  type OutageRule,
} from "../contracts/exams.js";
import { examInstanceModel, type AttemptDoc } from "./attempt.model.js";
import { LIGHT } from "./attempt-store.js";
import { createInstanceBeats } from "./instance-beats.js";
import { outageWindows } from "./outage-window.js";
import { timeLostMs } from "./clock.js";
import type { ExamCore } from "./exam-core.js";
import { PRESENCE_STALE_MS, type AttemptLean } from "./presenters.js";
import type { UnitOfWork } from "./unit-of-work.js";

/** The most absences an attempt keeps (an exam has a handful; a reconnect loop has thousands). */
const MAX_AWAY = 100;
/** How long a connect trusts a heartbeat read by an earlier connect (see createInstanceBeats). */
const BEAT_COPY_MS = 5_000;

/**
 * Presence for the seat map ("disconnected since") and outage credit: which seats are connected,
 * since when they are away, and which instances are alive to vouch for the seats they hold.
 */
export function createPresence(core: ExamCore, view: (doc: AttemptLean) => Promise<CandidateAttemptDto>) {
  const { store, seats, now, instanceId } = core;
  const { Attempts } = store;
  const Instances = examInstanceModel(core.ctx.conn);
  // The holder's heartbeat, read at most once every few seconds (instance-beats.ts): a dead
  // instance's seats reconnect all at once, and each asked the same heartbeat.
  const beats = createInstanceBeats(
    async (id) =>
      (await Instances.findById(id, { seenAt: 1 }).lean<{ seenAt: Date }>())?.seenAt.getTime() ?? null,
    { staleMs: PRESENCE_STALE_MS, ttlMs: BEAT_COPY_MS },
  );

  /**
   * The candidate's socket is connected on this instance. One write, which also reads the attempt
   * as it was: from that copy the seat is pushed and the candidate's view is built, so a connect
   * and sync costs no further read. `cameBack` says whether the seat had been away (only then can
   * its return end a room-wide outage); `gen` is the presence generation this connect wrote, which
   * tells the newest page of the seat (see the candidate handlers' take-over).
   */
  async function markOnline(
    attemptId: string,
  ): Promise<{ cameBack: boolean; gen: number; view(): Promise<CandidateAttemptDto> } | null> {
    store.forget(attemptId);
    const at = now();
    const set = { online: true, disconnectedAt: null, seenAt: at, heldBy: instanceId };
    // The open away interval is closed in the same write (arrayFilters), and every connect moves
    // the presence generation on, so a disconnect handled meanwhile can tell (see markOffline).
    const before = await Attempts.findOneAndUpdate(
      { _id: attemptId },
      { $set: { ...set, "away.$[open].to": at }, $inc: { presenceGen: 1 } },
      { returnDocument: "before", projection: LIGHT, arrayFilters: [{ "open.to": null }] },
    ).lean<AttemptLean>();
    if (!before) return null;
    const orphaned = await orphanedSince(before, at);
    if (orphaned) await awayFrom(attemptId, orphaned, at);
    const cameBack = before.disconnectedAt != null || orphaned !== null;
    const after: AttemptLean = { ...before, ...set, presenceGen: (before.presenceGen ?? 0) + 1 };
    seats.seat(attemptId, false, after);
    return { cameBack, gen: after.presenceGen ?? 0, view: () => view(after) };
  }

  /**
   * Since when a seat left "online" by another instance was in fact away: that instance stopped
   * beating (it died, and no disconnect handler ran to open the absence), so the seat counts as
   * away since its last heartbeat, or since the seat connected if it beat later than that. Null
   * when the seat was not held elsewhere, or its instance is alive (a page moving between live
   * instances was never away).
   */
  async function orphanedSince(before: AttemptLean, at: Date): Promise<Date | null> {
    const holder = before.heldBy;
    if (!before.online || !holder || holder === instanceId || before.status !== "in_progress") return null;
    const lastBeat = await beats.deadSince(holder, at.getTime());
    if (lastBeat === null) return null;
    const from = Math.max(lastBeat, before.seenAt?.getTime() ?? 0);
    return from > 0 && from < at.getTime() ? new Date(from) : null;
  }

  /** Records a closed absence [from, to] of an attempt in progress (see orphanedSince). */
  async function awayFrom(attemptId: string, from: Date, to: Date): Promise<void> {
    await Attempts.updateOne(
      { _id: attemptId, status: "in_progress" },
      { $push: { away: { $each: [{ from, to, credited: false }], $slice: -MAX_AWAY } } },
    );
  }

  /**
   * A socket of the seat closed: the seat goes offline unless `othersRemain` finds another socket
   * of the candidate, or the candidate connected again while this was being decided. The
   * generation is read before asking, so a reconnect that the question missed (it joined its room
   * just after) still moved the generation on and the write below matches nothing: without that,
   * a reconnect landing between the question and the write left a connected seat "disconnected"
   * with an away interval open for good, which blocks every outage proposal of the room.
   * Going offline and opening the away interval are one write, so a reconnect cannot run between
   * them and miss the interval it should close.
   */
  async function markOffline(attemptId: string, othersRemain: () => Promise<boolean>): Promise<void> {
    const read = await Attempts.findById(attemptId, { presenceGen: 1, online: 1 }).lean<
      Pick<AttemptLean, "presenceGen" | "online">
    >();
    if (!read?.online || (await othersRemain())) return;
    store.forget(attemptId);
    const at = now();
    const unchanged = { _id: attemptId, online: true, presenceGen: read.presenceGen ?? null };
    const set = { $set: { online: false, disconnectedAt: at } };
    const away = await Attempts.updateOne(
      { ...unchanged, status: "in_progress" },
      // Only the latest MAX_AWAY absences are kept: a page reconnecting in a loop would otherwise
      // grow the attempt toward the document limit (and every outage check with it).
      { ...set, $push: { away: { $each: [{ from: at, to: null, credited: false }], $slice: -MAX_AWAY } } },
    );
    if (away.matchedCount === 0) await Attempts.updateOne(unchanged, set);
    seats.seat(attemptId);
  }

  /** This instance's heartbeat: one tiny write however many candidates it holds. */
  async function heartbeat(): Promise<void> {
    await Instances.updateOne({ _id: instanceId }, { $set: { seenAt: now() } }, { upsert: true });
  }

  /** Instances that beat recently: seats held by any other instance are shown as disconnected. */
  async function liveInstances(): Promise<Set<string>> {
    const since = new Date(now().getTime() - PRESENCE_STALE_MS);
    const live = await Instances.find({ seenAt: { $gte: since } }, { _id: 1 }).lean<{ _id: string }[]>();
    return new Set(live.map((d) => d._id));
  }

  /**
   * Claims the credit for an outage: marks the attempt's drops that started at `dropsFrom` credited,
   * false when any of them already was (a second proctor, or the same proposal sent again) or the
   * attempt is no longer in progress. The claim is a conditional write in the credit's
   * transaction, so of two concurrent credits one finds it taken; credited drops are never
   * proposed again, and drops outside this outage keep their own claim.
   */
  async function claimOutageCredit(attemptId: string, dropsFrom: Date[], uow: UnitOfWork): Promise<boolean> {
    const claimed = await Attempts.updateOne(
      {
        _id: attemptId,
        status: "in_progress",
        away: { $not: { $elemMatch: { from: { $in: dropsFrom }, credited: true } } },
      },
      { $set: { "away.$[drop].credited": true } },
      { arrayFilters: [{ "drop.from": { $in: dropsFrom } }], session: uow.session },
    );
    return claimed.modifiedCount === 1;
  }

  return { markOnline, markOffline, heartbeat, liveInstances, claimOutageCredit };
}

/** A drop not yet credited, with the exam time it cost (pauses left out; an open one up to now). */
export interface UncreditedDrop {
  attemptId: string;
  from: number;
  lostMs: number;
}

/**
 * The seats whose uncredited drops belong to a room-wide outage and cost exam time: drops of at
 * least `outageSeatsNeeded` seats starting within the rule's window of each other, as the proctor
 * console groups them to propose a credit (server/proctoring outage.ts): the same outageWindows.
 */
export function seatsInOutage(
  drops: readonly UncreditedDrop[],
  seatsInProgress: number,
  rule: Readonly<OutageRule> = OUTAGE_RULE,
): Set<string> {
  const sorted = [...drops].sort((a, b) => a.from - b.from);
  const owed = new Set<string>();
  // Each drop is looked at once, in the first outage window that reaches it.
  let marked = 0;
  for (const { start, end } of outageWindows(
    sorted,
    outageSeatsNeeded(seatsInProgress, rule),
    rule.windowMs,
  )) {
    for (let j = Math.max(marked, start); j < end; j++) {
      const d = sorted[j];
      if (d && d.lostMs > 0) owed.add(d.attemptId);
    }
    marked = end;
  }
  return owed;
}

/**
 * When the deadline sweep's hold of an attempt for an outage ends at the latest (closing.ts
 * outageHolds): EXAM_OUTAGE_HOLD_MAX_MS after its deadline and grace.
 */
export function outageHoldEnds(core: ExamCore, deadline: Date): number {
  return deadline.getTime() + core.grace * 1000 + core.ctx.config.exam.outageHoldMaxMs;
}

/** The earliest deadline whose outage hold has not ended at `at` (outageHoldEnds turned round, for a filter). */
export function earliestHeldDeadline(core: ExamCore, at: number): Date {
  return new Date(at - core.grace * 1000 - core.ctx.config.exam.outageHoldMaxMs);
}

/** Whether the attempt's pending requests include an outage credit waiting for its second approver. */
export function awaitsOutageApproval(a: { pendingExtensions?: { outage?: unknown }[] | null }): boolean {
  return (a.pendingExtensions ?? []).some((p) => p.outage != null);
}

/**
 * The attempts of `sessionId` in progress that a room-wide outage cost time not yet given back
 * (seatsInOutage over their uncredited drops): the deadline sweep holds them open until the
 * proctor credits the outage (closing.ts). One read of the session's attempts in progress, the
 * same the proctor console proposes from (readAwayIntervals).
 */
export async function seatsOwedOutageCredit(core: ExamCore, sessionId: string): Promise<Set<string>> {
  const { inProgress, intervals } = await readAwayIntervals(core, sessionId);
  const drops = intervals
    .filter((i) => !i.credited)
    .map((i) => ({ attemptId: i.attemptId, from: i.from, lostMs: i.lostMs ?? 0 }));
  return seatsInOutage(drops, inProgress);
}

/** A disconnection of one in-progress attempt (epoch ms; `to` null while away). */
export interface AwayIntervalDto {
  attemptId: string;
  from: number;
  to: number | null;
  /**
   * The exam time it cost: the time away less any pause of the attempt's clock. While the seat is
   * still away, what it cost up to now (the span clipped at now, pauses taken out, an open pause
   * counting until now).
   */
  lostMs: number | null;
  /**
   * Every pause of the attempt's clock, an open one closed at the read: the outage credit measures
   * what the drop cost inside the room's outage with them (not the drop's whole `lostMs`).
   */
  pauses: { from: number; to: number }[];
  /** Given back by an outage credit already. */
  credited: boolean;
}

/**
 * The drops of `sessionId`'s attempts in progress, each with the exam time it cost (pauses taken
 * out; a drop still open measured up to now) and whether it was credited: what the proctor
 * console proposes a credit from and what the deadline sweep holds seats by. In a credit's
 * transaction (`session`) the read sees what that transaction will commit against. Drops before
 * `outageCreditedUntil` were credited by the earlier one-mark-per-attempt rule: they count as credited.
 */
export async function readAwayIntervals(
  core: ExamCore,
  sessionId: string,
  session: ClientSession | null = null,
): Promise<{ inProgress: number; intervals: AwayIntervalDto[] }> {
  const inProgress = await core.store.Attempts.find(
    { sessionId, status: "in_progress" },
    { away: 1, outageCreditedUntil: 1, pauses: 1 },
  )
    .session(session)
    .lean<Pick<AttemptDoc, "_id" | "away" | "outageCreditedUntil" | "pauses">[]>();
  const at = core.now().getTime();
  const intervals = inProgress.flatMap((a) => {
    const pauses = (a.pauses ?? []).map((p) => ({
      from: p.from.getTime(),
      to: p.to ? p.to.getTime() : null,
    }));
    // Shared by the attempt's drops: an open pause counts until now, as in `lostMs`.
    const closedPauses = pauses.map((p) => ({ from: p.from, to: p.to ?? Math.max(p.from, at) }));
    const legacyUntil = a.outageCreditedUntil?.getTime() ?? -Infinity;
    return (a.away ?? []).map((w) => {
      const span = { from: w.from.getTime(), to: w.to ? w.to.getTime() : null };
      // A drop still open is measured up to now, pauses taken out, like a closed one: left
      // unmeasured (null), the outage credit paid the whole overlap with the outage, the
      // paused minutes the resume had already given back included.
      const lostMs = timeLostMs({ from: span.from, to: span.to ?? Math.max(span.from, at) }, pauses, at);
      const credited = w.credited === true || span.from <= legacyUntil;
      return { attemptId: a._id, ...span, lostMs, pauses: closedPauses, credited };
    });
  });
  return { inProgress: inProgress.length, intervals };
}
