import type { ClockEventDto } from "../contracts/exams.js";
import type { AttemptStore } from "./attempt-store.js";
import { clockOf } from "./clock.js";
import { rooms, type Notifier } from "./ports.js";
import { clockParts, toSeatView, type AttemptLean } from "./presenters.js";

/**
 * What the proctor console and the candidate hear when an attempt changes: its seat on the seat
 * map (`session:seat`) and, for clock changes, `attempt:clock`. Seat updates for answer saves are
 * throttled per attempt with a trailing emit, so a burst of saves ends with the latest state
 * without flooding the console.
 */
export function createSeatFeed(deps: {
  store: AttemptStore;
  notifier: Notifier;
  now: () => Date;
  throttleMs: number;
}) {
  const { store, notifier, now } = deps;
  const lastSeatEmit = new Map<string, number>();
  const trailingSeat = new Map<string, NodeJS.Timeout>();

  async function emitSeat(attemptId: string, throttle = false, known?: AttemptLean): Promise<void> {
    const t = Date.now();
    const wait = deps.throttleMs - (t - (lastSeatEmit.get(attemptId) ?? 0));
    if (throttle && wait > 0) {
      if (!trailingSeat.has(attemptId)) {
        trailingSeat.set(
          attemptId,
          setTimeout(() => {
            trailingSeat.delete(attemptId);
            void emitSeat(attemptId, false, store.cached(attemptId)).catch(() => undefined);
          }, wait).unref(),
        );
      }
      return;
    }
    lastSeatEmit.set(attemptId, t);
    const doc = known ?? (await store.find(attemptId));
    if (doc) notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  /** Tells the candidate their clock changed (pause, resume, extension, credit) and updates the seat. */
  async function emitClock(attemptId: string, reason: string | null): Promise<void> {
    const doc = await store.load(attemptId);
    const payload: ClockEventDto = {
      attemptId,
      status: doc.status,
      ...clockOf(clockParts(doc), now()),
      reason,
    };
    notifier.toRoom(rooms.attempt(attemptId), "attempt:clock", payload);
    notifier.toRoom(rooms.session(doc.sessionId), "session:seat", toSeatView(doc, now()));
  }

  return {
    emitSeat,
    /** Fire-and-forget seat update (a lost seat push is repaired by the next one or a console reload). */
    seat: (attemptId: string, throttle = false, known?: AttemptLean) =>
      void emitSeat(attemptId, throttle, known).catch(() => undefined),
    emitClock,
    /** The attempt closed: no more throttled updates are owed for it. */
    forget: (attemptId: string) => void lastSeatEmit.delete(attemptId),
  };
}
export type SeatFeed = ReturnType<typeof createSeatFeed>;
