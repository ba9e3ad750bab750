import { createDueRunner } from "./due-runner.js";
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
  // A failed write is logged, never thrown at a timer; its counts are lost with it.
  return createDueRunner<RefusalSummary>({
    msUntilDue: () => deps.budget.msUntilSummary(),
    take: (opts) => deps.budget.takeSummary(opts),
    run: deps.write,
    logger: deps.logger,
    failureMessage: "refusal summary could not be written",
  });
}
export type RefusalSummaries = ReturnType<typeof createRefusalSummaries>;
