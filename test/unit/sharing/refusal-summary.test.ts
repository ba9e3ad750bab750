import { expect } from "chai";
import { createLogger } from "../../../server/lib/logger.js";
import type { MessageLog, MessageLogInput } from "../../../server/sharing/message-log.js";
import { createRefusalBudget } from "../../../server/lib/refusal-budget.js";
import { createRefusalSummaries } from "../../../server/lib/refusal-summary.js";
import { unsignedSummaryEntry } from "../../../server/sharing/node-gate.js";

/** A message log that keeps what was appended and can wait for the next entry. */
function keptLog() {
  const entries: MessageLogInput[] = [];
  let wake: (() => void) | null = null;
  const log = {
    append: (input: MessageLogInput) => {
      entries.push(input);
      wake?.();
      return Promise.resolve(input);
    },
  } as unknown as MessageLog;
  return {
    log,
    entries,
    /** Resolves at the next append, or after `ms` (the test then sees no entry and fails). */
    nextAppend: (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, ms).unref();
      }),
  };
}

describe("sharing: the summary of unauthenticated refusals", () => {
  const logger = createLogger({ level: "silent" });

  it("when a burst of refusals is only counted and then nothing more arrives, then one summary is logged once the window has passed", async () => {
    const budget = createRefusalBudget({
      perSourcePerMinute: 2,
      totalPerMinute: 100,
      maxSources: 10,
      summaryWindowMs: 30,
    });
    const kept = keptLog();
    const summaries = createRefusalSummaries({
      budget,
      write: (summary) => kept.log.append(unsignedSummaryEntry(summary)),
      logger,
    });
    for (let i = 0; i < 7; i++) if (!budget.admit("10.0.0.9")) summaries.schedule();
    expect(kept.entries, "not before the window has passed").to.have.length(0);
    // Silence from here on: no further refusal arrives to carry the summary.
    await kept.nextAppend(5_000);
    expect(kept.entries).to.have.length(1);
    expect(kept.entries[0]).to.include({
      code: "unauthenticated_not_logged",
      outcome: "refused",
      peer: "unknown",
    });
    expect(kept.entries[0]?.target).to.contain("5 条").and.contain("1 个来源");
    await summaries.close();
    expect(kept.entries, "nothing left to sum up").to.have.length(1);
  });

  it("when the node shuts down before the window has passed, then the counted refusals are logged at once", async () => {
    const budget = createRefusalBudget({
      perSourcePerMinute: 1,
      totalPerMinute: 100,
      maxSources: 10,
      summaryWindowMs: 3_600_000,
    });
    const kept = keptLog();
    const summaries = createRefusalSummaries({
      budget,
      write: (summary) => kept.log.append(unsignedSummaryEntry(summary)),
      logger,
    });
    for (let i = 0; i < 4; i++) if (!budget.admit(`10.0.0.${i % 2}`)) summaries.schedule();
    expect(kept.entries).to.have.length(0);
    await summaries.close();
    expect(kept.entries).to.have.length(1);
    expect(kept.entries[0]?.target).to.contain("2 条").and.contain("2 个来源");
  });
});
