import type { AttemptStatus } from "@contracts/exams.js";

/** What the page's answer to a refused save needs of the exam store (`useExamStore`). */
export interface SaveRefusalDeps {
  /** The attempt's status as the page shows it. */
  status: () => AttemptStatus | null;
  /** The countdown reached zero, not paused (the store's `timeUp`). */
  timeUp: () => boolean;
  /** Asks for a full resync: folded into the one under way, after its back-off. */
  resync: () => void;
  /** The server refuses the page's saves for good (`saves_exhausted`): the page says why. */
  refusedForGood: (message: string) => void;
}

/**
 * What the page does when the server refuses one of the journal's saves, besides the journal
 * (which keeps it: nothing is dropped; `retriesSave` decides the timed retry). Kept apart from the
 * store so a unit test can drive it with the journal.
 *
 * `attempt_closed` or `attempt_paused`: the attempt moved on, and a resync reads how. Except
 * `attempt_closed` once the countdown reached zero while the page still shows the attempt in
 * progress: the server is past the deadline and its grace, and either closes the attempt now or
 * its deadline sweep holds the seat open for a room-wide outage until the proctor credits the
 * time lost (server/exams/closing.ts outageHolds, up to EXAM_OUTAGE_HOLD_MAX_MS). Both ways out
 * are pushed: the credit's `attempt:clock` replays the journal, the close's `attempt:closed`
 * settles it, and a reconnect resyncs anyway. A resync there read the same attempt in progress,
 * replayed, was refused again and asked for another: every held page of the room synced and
 * replayed every 15 s for the whole hold, and never settled. A page with nothing left to send
 * waits for the same pushes. Before time up (a proctor's hand-in) the page still resyncs.
 */
export function onSaveRefused(deps: SaveRefusalDeps): (error: { code: string; message: string }) => void {
  return (error) => {
    if (error.code === "attempt_closed" && deps.status() === "in_progress" && deps.timeUp()) return;
    if (error.code === "attempt_closed" || error.code === "attempt_paused") deps.resync();
    // The proctor decides, and the page says why.
    else if (error.code === "saves_exhausted") deps.refusedForGood(error.message);
  };
}
