import type { Logger } from "./logger.js";
import type { RefusalBudget } from "./refusal-budget.js";

/** What a summary says: refusals counted but not recorded one by one, and from how many sources. */
export interface RefusalSummary {
  count: number;
  sources: number;
}

/** What the writer asks of a refusal budget (refusal-budget.ts): when its summary is due, and the summary. */
type SummarisedBudget = Pick<RefusalBudget, "msUntilSummary" | "takeSummary">;

/**
 * Writes the summary of refusals the budget only counted (refusal-budget.ts) with `write` (the
 * hub's message log, a node's audit log): on a timer one summary window after the first of them,
 * and at shutdown. It used to be written only when the next refusal arrived, so a burst followed by
 * silence was never summed up and the record under-stated what was refused.
 */
export function createRefusalSummaries(deps: {
  budget: SummarisedBudget;
  write: (summary: RefusalSummary) => Promise<unknown>;
  logger: Logger;
}) {
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  function write(force: boolean): Promise<void> {
    const next = writing.then(async () => {
      const summary = deps.budget.takeSummary({ force });
      if (!summary) return;
      await deps.write(summary);
    });
    // A failed write is reported, never thrown at a timer; its counts are lost with it.
    writing = next.catch((err: unknown) =>
      deps.logger.error({ err }, "refusal summary could not be written"),
    );
    return writing;
  }

  /** After a refusal was counted but not logged: makes sure its summary follows within the window. */
  function schedule(): void {
    const wait = deps.budget.msUntilSummary();
    if (wait === null || timer) return;
    // Once shut down a timer would outlive the database connection: write at once instead.
    if (closed) {
      void write(true);
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      // Re-armed when the clock said "not yet" (or more were counted since the write began).
      void write(false).then(schedule);
    }, wait);
    // A pending summary never keeps the process alive; shutdown writes it (close).
    timer.unref();
  }

  return {
    schedule,

    /** Writes what is still counted at once and stops the timer (node shutdown). */
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await write(true);
    },
  };
}
export type RefusalSummaries = ReturnType<typeof createRefusalSummaries>;
