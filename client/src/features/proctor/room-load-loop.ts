// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { backoffMs } from "../../shared/backoff.js";

/**
 * Codes after which a failed room load is retried on the timer: no answer in time (`ack_timeout`,
 * also what a load cut by a disconnect reads), the server's own failure (`internal_error`, e.g. its
 * database away) and its rate limit. Anything else is the server's answer about this console (not
 * found, forbidden, signed out, a malformed id), which a retry would only repeat: each 403/404 of a
 * watch is audited as a refusal, so retrying one would fill the account's refusal budget. The
 * console shows it (loadError) until the proctor clicks 刷新 or the socket reconnects.
 */
const RETRIED = new Set(["ack_timeout", "internal_error", "too_many_requests"]);

/** Whether a room load refused with `code` is retried on the timer. */
export function retriesRoomLoad(code: string): boolean {
  return RETRIED.has(code);
}

/**
 * The proctor console's loads of the whole room (`proctor:watch`) as one loop, one load at a time.
 * Loads are asked for by a (re)connect, the 刷新 button, every settled action and a released seat
 * the header does not know of. Run side by side, whichever reply landed last won: the seats hold
 * their versions, but the room fields, incidents, outage proposal and server-time anchor of an
 * older reply overwrote a newer one's. So a load asked for while one runs is folded into exactly
 * one more after it, which reads the room as it is then; the loop's last reply is the newest.
 *
 * A failed load is retried without a click (it left loadError on screen until the next trigger),
 * 1 s, 2 s, 4 s … up to 15 s apart, while `running` (console open, socket connected). A trigger
 * during that wait loads at once but keeps the step; a (re)connect loads at once and starts the
 * back-off over, as the exam page's resync does (exam/resync-loop.ts, whose back-off applies to
 * every repeated sync rather than to failures, so it does not fit a console whose loads follow
 * the proctor's actions).
 */
export function useRoomLoadLoop(deps: {
  /**
   * One load of the room, its reply applied (or dropped when it is for a room no longer watched);
   * false when it failed and is to be retried (`retriesRoomLoad`).
   */
  loadOnce: () => Promise<boolean>;
  /** Whether loads may run: the console is open and its socket connected. */
  running: () => boolean;
  /** Waits `ms`; a window timer in the store, a fake clock in the unit tests. */
  sleep: (ms: number) => Promise<void>;
}) {
  let loading: Promise<void> | null = null;
  /** A load was asked for since the current one started: one more runs after it. */
  let again = false;
  /** A (re)connect asked for it: the back-off starts over. */
  let fresh = false;
  /** Ends the back-off the loop waits in (null while it does not wait). */
  let wake: (() => void) | null = null;

  /** Waits `ms`, or less if a trigger wakes the loop. The timer left running wakes nothing. */
  async function backOff(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => (wake = resolve));
    try {
      await Promise.race([deps.sleep(ms), woken]);
    } finally {
      wake = null;
    }
  }

  async function attempt(): Promise<boolean> {
    try {
      return await deps.loadOnce();
    } catch {
      // A reply the store could not apply is a failed load, retried like one: the loop never rejects.
      return false;
    }
  }

  function run(): Promise<void> {
    if (loading) {
      again = true;
      wake?.();
      return loading;
    }
    loading = (async () => {
      try {
        let failures = 0;
        for (;;) {
          if (!deps.running()) break;
          if (fresh) failures = 0;
          fresh = false;
          again = false;
          const ok = await attempt();
          failures = ok ? 0 : failures + 1;
          if (again) continue;
          if (ok) break;
          await backOff(backoffMs(failures));
        }
      } finally {
        loading = null;
        again = false;
        fresh = false;
      }
    })();
    return loading;
  }

  /** Asks for a load: at once, or once the one under way ends (folded with any others asked). */
  function load(): Promise<void> {
    return run();
  }

  /** The socket (re)connected or a room is newly watched: load as `load` does, back-off from 1 s. */
  function reconnected(): Promise<void> {
    fresh = true;
    return run();
  }

  return { load, reconnected, loading: () => loading };
}
