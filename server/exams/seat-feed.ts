import type { ClockEventDto } from "../contracts/exams.js";
import { LIGHT, type AttemptStore } from "./attempt-store.js";
import { clockOf } from "./clock.js";
import { rooms, type Notifier } from "./ports.js";
import { clockParts, toSeatView, type AttemptLean } from "./presenters.js";

/**
 * What the proctor console and the candidate hear when an attempt changes: its seat on the seat
 * map and, for clock changes, `attempt:clock`. A state change (check-in, start, pause, close,
 * connect) is pushed at once as `session:seat`. Seats changed by answer saves are collected per
 * session and pushed together as `session:seats` at most every `throttleMs`: with a room of 100
 * answering every few seconds, one push a second instead of one per save (issue 17).
 */
/**
 * What says a seat is unchanged: every change of the attempt's chain moves `chainN`, a connect moves
 * `presenceGen`, a disconnect clears `online`, and a hand-in's claim sets `status` (submitting) before
 * its event. Any other write to an attempt goes through one of those.
 */
const SEAT_HEAD = { chainN: 1, presenceGen: 1, online: 1, status: 1 } as const;

function sameHead(copy: AttemptLean, head: AttemptLean): boolean {
  return (
    copy.chainN === head.chainN &&
    (copy.presenceGen ?? 0) === (head.presenceGen ?? 0) &&
    copy.online === head.online &&
    copy.status === head.status
  );
}

export function createSeatFeed(deps: {
  store: AttemptStore;
  notifier: Notifier;
  now: () => Date;
  throttleMs: number;
}) {
  const { store, notifier, now } = deps;
  /** Attempts whose seat changed by a save since the session's last collected push. */
  const pending = new Map<string, Set<string>>();

  function collect(sessionId: string, attemptId: string): void {
    let ids = pending.get(sessionId);
    if (!ids) {
      ids = new Set();
      pending.set(sessionId, ids);
      setTimeout(() => void flush(sessionId).catch(() => undefined), deps.throttleMs).unref();
    }
    ids.add(attemptId);
  }

  /**
   * Pushes the collected seats as they are now. This instance's copy of an attempt is pushed only
   * when the attempt's head in the database still matches it: a pause, extension, void or close
   * made on another instance since this instance's save left the copy behind, and pushing it took
   * the change back on the console a moment after the other instance had pushed it. The heads are
   * one small read per session and window; only attempts whose head moved are read whole (issue 17:
   * reading every saved attempt whole each second cost the stand-in and the node a copy per save).
   */
  async function flush(sessionId: string): Promise<void> {
    const ids = [...(pending.get(sessionId) ?? [])];
    pending.delete(sessionId);
    if (ids.length === 0) return;
    const heads = await store.Attempts.find({ _id: { $in: ids } }, SEAT_HEAD).lean<AttemptLean[]>();
    const current: AttemptLean[] = [];
    const moved: string[] = [];
    for (const head of heads) {
      const copy = store.cached(head._id);
      if (copy && sameHead(copy, head)) current.push(copy);
      else moved.push(head._id);
    }
    if (moved.length) {
      const fresh = await store.Attempts.find({ _id: { $in: moved } }, LIGHT).lean<AttemptLean[]>();
      // Kept as this instance's copy, so the next flush pushes it without reading it whole again.
      for (const doc of fresh) store.remember(doc);
      current.push(...fresh);
    }
    pushSeats(sessionId, current);
  }

  /** Pushes several seats of one session to its console as one `session:seats` (none: nothing). */
  function pushSeats(sessionId: string, docs: AttemptLean[]): void {
    const at = now();
    if (docs.length)
      notifier.toRoom(
        rooms.session(sessionId),
        "session:seats",
        docs.map((d) => toSeatView(d, at)),
      );
  }

  async function emitSeat(attemptId: string, collected = false, known?: AttemptLean): Promise<void> {
    if (collected && known) return collect(known.sessionId, attemptId);
    const doc = known ?? (await store.find(attemptId));
    if (doc) notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  /** Tells the candidate their clock changed (pause, resume, extension, credit) and updates the seat. */
  /** Pushes the attempt's clock and seat; `known` is its state just written (else it is read). */
  async function emitClock(
    attemptId: string,
    reason: string | null,
    known?: AttemptLean | null,
  ): Promise<void> {
    const doc = known ?? (await store.load(attemptId));
    const payload: ClockEventDto = {
      attemptId,
      status: doc.status,
      ...clockOf(clockParts(doc), now()),
      version: doc.chainN,
      reason,
    };
    notifier.toRoom(rooms.attempt(attemptId), "attempt:clock", payload);
    notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  return {
    emitSeat,
    /**
     * Fire-and-forget seat update (a lost seat push is repaired by the next one or a console
     * reload). `collected`: a save's change, pushed with the session's next collected push.
     */
    seat: (attemptId: string, collected = false, known?: AttemptLean): void => {
      // A save's change only joins its session's next collected push: done here, without the
      // two promises of `emitSeat` and its catch on every save (issue 17).
      if (collected && known) collect(known.sessionId, attemptId);
      else void emitSeat(attemptId, collected, known).catch(() => undefined);
    },
    pushSeats,
    emitClock,
  };
}
export type SeatFeed = ReturnType<typeof createSeatFeed>;
