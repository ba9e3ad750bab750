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
   * Pushes the collected seats as they are now: one read of them all. This instance's copies are
   * not pushed: a pause, extension, void or close made on another instance since this instance's
   * save left its copy behind, and pushing that copy took the change back on the console a moment
   * after the other instance had pushed it.
   */
  async function flush(sessionId: string): Promise<void> {
    const ids = [...(pending.get(sessionId) ?? [])];
    pending.delete(sessionId);
    if (ids.length === 0) return;
    pushSeats(sessionId, await store.Attempts.find({ _id: { $in: ids } }, LIGHT).lean<AttemptLean[]>());
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
