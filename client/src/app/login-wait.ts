import { computed, getCurrentScope, onScopeDispose, ref } from "vue";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
import { loginRefusalText, loginWaitText, retryAfterSeconds } from "../shared/retry-after.js";

/** The clock and timers the wait runs on; tests pass a clock they move by hand. */
export interface WaitTimers {
  now: () => number;
  setTimeout: (run: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const browserTimers: WaitTimers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * A login refused for too many attempts from this address (both tabs count against it): the wait,
 * kept on the card and counted down each second, since the toast closes long before. While a known
 * wait runs `waiting` is true and the buttons are off: the server counts refused attempts too, so a
 * press before the wait ends is refused again and starts the wait over. At 0 the text goes and the
 * buttons come back. Stopped with the component (its effect scope) that called it.
 */
export function useLoginWait(timers: WaitTimers = browserTimers) {
  /** The server's own message when the refusal did not say how long (nothing to count then). */
  const message = ref<string | null>(null);
  const secondsLeft = ref<number | null>(null);
  let deadline = 0;
  let timer: unknown;

  const waiting = computed(() => secondsLeft.value !== null);
  const text = computed(() =>
    secondsLeft.value === null ? message.value : loginWaitText(secondsLeft.value),
  );

  function clear(): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    message.value = null;
    secondsLeft.value = null;
  }

  // What is left is read off the deadline, not counted in ticks: a tab in the background gets its
  // timers late (browsers throttle them), and a count of ticks would then say more than is left.
  function tick(): void {
    timer = undefined;
    const left = Math.ceil((deadline - timers.now()) / 1000);
    if (left <= 0) {
      clear();
      return;
    }
    secondsLeft.value = left;
    // The next tick lands where the shown number changes.
    const untilNext = deadline - timers.now() - (left - 1) * 1000;
    timer = timers.setTimeout(tick, Math.max(untilNext, 1));
  }

  /** Shows the wait a refusal asked for and starts counting it down; a new refusal starts over. */
  function start(refusal: { message: string; details: unknown }): void {
    clear();
    const seconds = retryAfterSeconds(refusal.details);
    if (seconds === null) {
      message.value = loginRefusalText(refusal);
      return;
    }
    deadline = timers.now() + seconds * 1000;
    tick();
  }

  if (getCurrentScope()) onScopeDispose(clear);

  return { text, waiting, start, clear };
}
