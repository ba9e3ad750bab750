import type { CandidateAttemptDto } from "../contracts/exams.js";
import { examInstanceModel } from "./attempt.model.js";
import { LIGHT } from "./attempt-store.js";
import type { ExamCore } from "./exam-core.js";
import { PRESENCE_STALE_MS, type AttemptLean } from "./presenters.js";
import type { UnitOfWork } from "./unit-of-work.js";

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
    const before = await Attempts.findOneAndUpdate(
      { _id: attemptId },
      { $set: set },
      { returnDocument: "before", projection: LIGHT },
    ).lean<AttemptLean>();
    if (!before) return null;
    const cameBack = before.disconnectedAt != null;
    if (cameBack)
      await Attempts.updateOne({ _id: attemptId, "away.to": null }, { $set: { "away.$.to": at } });
    const after: AttemptLean = { ...before, ...set };
    seats.seat(attemptId, false, after);
    return { cameBack, view: () => view(after) };
  }

  async function markOffline(attemptId: string): Promise<void> {
    store.forget(attemptId);
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

  /** Records that away intervals up to `until` were credited, so they are not proposed again. */
  async function markOutageCredited(attemptId: string, until: Date, uow: UnitOfWork): Promise<void> {
    await Attempts.updateOne(
      { _id: attemptId },
      { $max: { outageCreditedUntil: until } },
      { session: uow.session },
    );
  }

  return { markOnline, markOffline, heartbeat, liveInstances, markOutageCredited };
}
