import type { Logger } from "./logger.js";

/**
 * Runs `run` with what `take` hands out, on a timer when `msUntilDue` says it is due and at once at
 * `close` (node shutdown): the refusal summaries (refusal-summary.ts) and the failed-login
 * summaries' two steps (auth/failure-summaries.ts). Runs never overlap, a failed run is logged with
 * `failureMessage` and never thrown at a timer (what it held is lost with it), and a pending timer
 * never keeps the process alive.
 */
export function createDueRunner<T>(deps: {
  msUntilDue: () => number | null;
  take: (opts: { force: boolean }) => T | null;
  run: (due: T) => Promise<unknown>;
  logger: Logger;
  /** Logged with the error when a run fails. */
  failureMessage: string;
}) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  function runDue(force: boolean): Promise<void> {
    running = running
      .then(async () => {
        const due = deps.take({ force });
        if (due !== null) await deps.run(due);
      })
      .catch((err: unknown) => deps.logger.error({ err }, deps.failureMessage));
    return running;
  }

  /** Makes sure what is waiting runs when it is due. */
  function schedule(): void {
    const wait = deps.msUntilDue();
    if (wait === null || timer) return;
    // Once shut down a timer would outlive the database connection: run at once instead.
    if (closed) {
      void runDue(true);
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      // Re-armed when the clock said "not yet", or more was counted while it ran.
      void runDue(false).then(schedule);
    }, wait);
    timer.unref();
  }

  return {
    schedule,
    /** Runs what is still waiting at once and stops the timer. */
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await runDue(true);
    },
  };
}
