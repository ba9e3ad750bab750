import { saveRetryDelayMs } from "./save-retry.js";

/**
 * The page's full resync as one loop: a resync asked for while one runs is folded into it (run
 * again once it ends) instead of running beside it. The first run again follows at once; each
 * further one waits as a failed save's retry does (1 s, 2 s, 4 s … up to 15 s): while an attempt
 * stays `submitting` (its grading keeps failing on the server) every replayed save is refused
 * `attempt_closed`, which asks for another resync, and a room of such pages flooded the server
 * with syncs and saves.
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

  function resync(): Promise<void> {
    if (syncing) {
      again = true;
      return syncing;
    }
    syncing = (async () => {
      try {
        for (let repeats = 0; ; repeats++) {
          if (repeats > 1) await deps.sleep(saveRetryDelayMs(repeats - 1, null));
          if (repeats > 0 && !deps.running()) break;
          again = false;
          await deps.syncOnce();
          if (!again) break;
        }
      } finally {
        syncing = null;
        deps.ended();
      }
    })();
    return syncing;
  }

  return { resync, syncing: () => syncing };
}
