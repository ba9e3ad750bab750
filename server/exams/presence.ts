import type { CandidateAttemptDto } from "../contracts/exams.js";
import { examInstanceModel } from "./attempt.model.js";
import { LIGHT } from "./attempt-store.js";
import type { ExamCore } from "./exam-core.js";
import { PRESENCE_STALE_MS, type AttemptLean } from "./presenters.js";
import type { UnitOfWork } from "./unit-of-work.js";

/** The most absences an attempt keeps (an exam has a handful; a reconnect loop has thousands). */
const MAX_AWAY = 100;

/**
 * Presence for the seat map ("disconnected since") and outage credit: which seats are connected,
 * since when they are away, and which instances are alive to vouch for the seats they hold.
 */
export function createPresence(core: ExamCore, view: (doc: AttemptLean) => Promise<CandidateAttemptDto>) {
  const { store, seats, now, instanceId } = core;
  const { Attempts } = store;
  const Instances = examInstanceModel(core.ctx.conn);

  /**
   * The candidate's socket is connected on this instance. One write, which also reads the attempt
   * as it was: from that copy the seat is pushed and the candidate's view is built, so a connect
   * and sync costs no further read. `cameBack` says whether the seat had been away (only then can
   * its return end a room-wide outage).
   */
  async function markOnline(
    attemptId: string,
  ): Promise<{ cameBack: boolean; view(): Promise<CandidateAttemptDto> } | null> {
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
    const cameBack = before.disconnectedAt != null;
    const after: AttemptLean = { ...before, ...set, presenceGen: (before.presenceGen ?? 0) + 1 };
    seats.seat(attemptId, false, after);
    return { cameBack, view: () => view(after) };
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
