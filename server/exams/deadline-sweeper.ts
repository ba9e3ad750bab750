import type { Logger } from "../lib/logger.js";

/**
 * Runs `sweepOnce` every `intervalMs` (never overlapping itself). Every instance runs one; the
 * sweep's atomic claims make each expiry happen once whichever instance gets there first, and a
 * restarted node enforces deadlines that passed while it was down on its first pass.
 */
export function createDeadlineSweeper(sweepOnce: () => Promise<unknown>, logger: Logger, intervalMs = 1000) {
  return createPeriodicTask(sweepOnce, logger, intervalMs, "deadline sweep failed");
}

/** Runs `task` every `intervalMs`, never overlapping itself; failures are logged and retried next time. */
export function createPeriodicTask(
  task: () => Promise<unknown>,
  logger: Logger,
  intervalMs: number,
  failure = "periodic task failed",
) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  const tick = () => {
    if (stopped) return;
    running = task()
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err }, failure))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
