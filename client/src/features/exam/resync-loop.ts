// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { backoffMs } from "../../shared/backoff.js";

/**
 * The page's full resync as one loop: a resync asked for while one runs is folded into it (run
 * again once it ends) instead of running beside it. The first run again follows at once; each
 * further one waits as a failed save's retry does (1 s, 2 s, 4 s … up to 15 s): while an attempt
 * stays `submitting` (its grading keeps failing on the server) every replayed save is refused
 * `attempt_closed`, which asks for another resync, and a room of such pages flooded the server
 * with syncs and saves.
 *
 * A (re)connect (`reconnected`) starts the loop over: it cuts a back-off short, or follows the sync
 * under way at once, and the back-off begins again from its start. Waiting out up to 15 s left the
 * candidate looking at a stale page just when the server could tell them (it may have settled
 * meanwhile). Still one sync at a time: reconnects during a sync fold into one more after it.
 */
export function useResyncLoop(deps: {
  /** One sync of the attempt (with the replay of what the journal holds). */
  syncOnce: () => Promise<void>;
  /** Whether the page still runs: a stopped page syncs no more. */
  running: () => boolean;
  /** Waits `ms`; the store's timer, a fake clock in the unit tests. */
  sleep: (ms: number) => Promise<void>;
  /** Once the loop ends (nothing more asked for). */
  ended: () => void;
}) {
  let syncing: Promise<void> | null = null;
  let again = false;
  /** A (re)connect asked for the next sync: it runs without waiting, and the back-off starts over. */
  let fresh = false;
  /** Ends the back-off the loop waits in (null while it does not wait). */
  let wake: (() => void) | null = null;

  /** Waits `ms`, or less if a (re)connect wakes the loop. The timer left running wakes nothing. */
  async function backOff(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => (wake = resolve));
    try {
      await Promise.race([deps.sleep(ms), woken]);
    } finally {
      wake = null;
    }
  }

  function run(): Promise<void> {
    if (syncing) {
      again = true;
      return syncing;
    }
    syncing = (async () => {
      try {
        let synced = false;
        /** Syncs since the loop (re)started: the back-off's step. */
        let repeats = 0;
        for (;;) {
          if (repeats > 1 && !fresh) await backOff(backoffMs(repeats - 1));
          if (fresh) repeats = 0;
          if (synced && !deps.running()) break;
          fresh = false;
          again = false;
          await deps.syncOnce();
          synced = true;
          repeats++;
          if (!again) break;
        }
      } finally {
        syncing = null;
        again = false;
        fresh = false;
        deps.ended();
      }
    })();
    return syncing;
  }

  /** Asks for a resync: folded into the one under way, after its back-off. */
  function resync(): Promise<void> {
    return run();
  }

  /**
   * The socket (re)connected: sync at once, or once the sync under way ends (never two at a time),
   * with the back-off started over.
   */
  function reconnected(): Promise<void> {
    if (syncing) {
      fresh = true;
      wake?.();
    }
    return run();
  }

  return { resync, reconnected, syncing: () => syncing };
}
