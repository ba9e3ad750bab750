import { ref } from "vue";
import { saveRetryDelayMs } from "./save-retry.js";

/**
 * The timer that resends the journal's unacknowledged saves while the socket stays connected: a
 * save acked `ack_timeout` (a database failover) or `internal_error` was otherwise only resent on
 * a reconnect, an unpause or the hand-in, and the time-up closed the attempt without it. One timer
 * at a time; each failure while none is armed doubles the delay (see `saveRetryDelayMs`), a
 * success starts again at 1 s.
 */
export function useSaveRetry(options: {
  /** Milliseconds to the deadline now (null: none running). */
  msToDeadline: () => number | null;
  /** Resends what the journal holds, if anything is still due (connected, attempt open). */
  flush: () => Promise<void>;
}) {
  /** True from a failed save until a save succeeds: the page says it is retrying. */
  const retrying = ref(false);
  let failures = 0;
  // The global timers, not `window`'s: the unit tests run this in Node, where there is no window.
  let timer: ReturnType<typeof setTimeout> | null = null;

  function fire(): void {
    timer = null;
    void options.flush();
  }

  /** A save failed in a way a later attempt may fix: arm the timer unless it already is. */
  function failed(): void {
    retrying.value = true;
    if (timer !== null) return;
    failures += 1;
    timer = setTimeout(fire, saveRetryDelayMs(failures, options.msToDeadline()));
  }

  /** A save was acknowledged: the next failure is retried after the shortest delay again. */
  function succeeded(): void {
    failures = 0;
    retrying.value = false;
  }

  /** Sends what is left now (the countdown reached zero), instead of at the armed time. */
  function now(): void {
    cancel();
    fire();
  }

  function cancel(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  return { retrying, failed, succeeded, now, cancel };
}
