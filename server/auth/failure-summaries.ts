import mongoose, { type Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { Logger } from "../lib/logger.js";
import { createRefusalBudget } from "../lib/refusal-budget.js";
import { createRefusalSummaries } from "../lib/refusal-summary.js";
import { loginRateModel } from "./login-rates.js";

/** How long after a period ends its summary is written: failures counted a moment late still get in. */
const GRACE_MS = 2_000;
/** How many later periods a failure tries when the one it fell in was summed up already. */
const LATE_TRIES = 3;
/** How many times a period's summary is tried before its count is given up (and logged as lost). */
const WRITE_TRIES = 3;
/** Sources remembered for the summary written when the shared counts are out of reach. */
const FALLBACK_SOURCES = 10_000;

export interface FailureSummaryOptions {
  /** The length of a summary's period (default a minute); periods are whole multiples of it on `clock`. */
  windowMs: number;
  /** The node's database clock, which every instance reads alike. */
  clock: () => Date;
  audit: AuditLog;
  logger: Logger;
}

/**
 * The summaries of failed logins not audited one by one (login-rates.ts `createFailedLoginBudget`),
 * one per period for the whole node. Each instance wrote its own before, so N instances behind the
 * load balancer put N summaries a period into the audit chain, each with a part of the count.
 *
 * Every failure summed up is counted in the period it fell in, in the node's database
 * (`login_rates`, row `failed-summary:<window>:<period>`), and its source marked there once per
 * period (rows `failed-source:…`), so `sources` counts a source that failed on two instances once.
 * Once the period is over, the instances that counted into it each try to write its summary: the
 * one whose transaction marks the row `summarised` writes the entry in that same transaction, the
 * others find it marked and write nothing. A failure that arrives once its period is summed up is
 * counted into the next one. Where the shared counts cannot be written at all, the failure is
 * summed up by this instance alone (as before), so it is never lost from the record.
 */
export function createFailureSummaries(conn: Connection, options: FailureSummaryOptions) {
  const Rates = loginRateModel(conn);
  const { windowMs, clock, audit, logger } = options;
  const periodKey = (p: number) => `failed-summary:${windowMs}:${p}`;
  const sourceKey = (p: number, source: string) => `failed-source:${windowMs}:${p}:${source}`;
  // A row outlives its period by long enough for a late instance to write it.
  const expiry = (p: number) => new Date((p + 2) * windowMs + 10 * 60_000);
  /** Periods this instance counted into and has not seen summed up yet, with the tries failed so far. */
  const pending = new Map<number, number>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  // The database out of reach: this instance's own count, summed up as each instance did before.
  const fallback = createRefusalBudget({
    perSourcePerMinute: 0,
    totalPerMinute: 0,
    maxSources: FALLBACK_SOURCES,
    summaryWindowMs: windowMs,
  });
  const fallbackSummaries = createRefusalSummaries({
    budget: fallback,
    logger,
    write: (summary) =>
      audit.record({ action: "auth.login_failures_summarised", actor: null, details: { ...summary } }),
  });

  /** Counts one failure into period `p`, or a later one when `p` is summed up; answers the period. */
  async function countInto(p: number, source: string): Promise<number> {
    let period = p;
    for (let tries = 0; tries <= 2 * LATE_TRIES && period <= p + LATE_TRIES; tries++) {
      try {
        // Filtered on `summarised: false`: on a summed-up row the upsert's insert collides instead.
        await Rates.updateOne(
          { _id: periodKey(period), summarised: false },
          { $inc: { count: 1 }, $setOnInsert: { period, expireAt: expiry(period) } },
          { upsert: true },
        );
        await Rates.updateOne(
          { _id: sourceKey(period, source) },
          { $setOnInsert: { period, expireAt: expiry(period) } },
          { upsert: true },
        ).catch(() => {
          // The failure is counted already (above): a marker that is a duplicate, or that could
          // not be written, at most leaves this source out of the period's source count. Thrown
          // on, the caller's fallback would count the failure a second time.
        });
        return period;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Summed up already: the next period. Else two first counts met: try the same one again.
        const row = await Rates.findById(periodKey(period), { summarised: 1 }).lean();
        if (row?.summarised !== false) period += 1;
      }
    }
    throw new Error("failed-login summary periods all summed up");
  }

  /** Writes period `p`'s summary unless another instance has; the mark and the entry commit together. */
  async function summarise(p: number): Promise<void> {
    await audit.transaction(async (session) => {
      const row = await Rates.findOneAndUpdate(
        { _id: periodKey(p), summarised: false },
        { $set: { summarised: true } },
        { session, returnDocument: "after" },
      ).lean();
      if (!row) return;
      const sources = await Rates.countDocuments(
        { _id: { $gte: sourceKey(p, ""), $lt: `${sourceKey(p, "")}\uffff` } },
        { session },
      );
      await audit.append(session, {
        action: "auth.login_failures_summarised",
        actor: null,
        details: { count: row.count ?? 0, sources },
      });
    });
  }

  /** Writes the summaries of the pending periods that are over (all of them with `force`). */
  async function summariseDue(force: boolean): Promise<void> {
    const now = clock().getTime();
    for (const [p, failed] of [...pending].sort(([a], [b]) => a - b)) {
      if (!force && (p + 1) * windowMs + GRACE_MS > now) continue;
      try {
        await summarise(p);
        pending.delete(p);
      } catch (err) {
        // Tried again by the next timer (or shutdown) a few times; never in a loop without end,
        // and not at all once the connection is closed (another instance may still write it).
        const lost = failed + 1 >= WRITE_TRIES || isClosed();
        if (lost) pending.delete(p);
        else pending.set(p, failed + 1);
        logger.error({ err, period: p, lost }, "failed-login summary could not be written");
      }
    }
  }

  /** The connection is closed or closing: nothing can be written. */
  const isClosed = (): boolean =>
    conn.readyState === mongoose.ConnectionStates.disconnected ||
    conn.readyState === mongoose.ConnectionStates.disconnecting;

  /** Arms the timer for the earliest pending period's end. */
  function schedule(): void {
    if (timer || closed || pending.size === 0) return;
    const due = (Math.min(...pending.keys()) + 1) * windowMs + GRACE_MS;
    // Some seconds apart at least: a summary that failed is not retried in a tight loop.
    timer = setTimeout(
      () => {
        timer = null;
        void summariseDue(false).then(schedule);
      },
      Math.max(Math.min(windowMs, 10_000), due - clock().getTime()),
    );
    // A pending summary never keeps the process alive; shutdown writes it (close).
    timer.unref();
  }

  return {
    /** A failure from `source` not audited one by one: counted for its period's summary. */
    async count(source: string): Promise<void> {
      try {
        const period = await countInto(Math.floor(clock().getTime() / windowMs), source);
        if (!pending.has(period)) pending.set(period, 0);
        if (closed) await summariseDue(true);
        else schedule();
      } catch (err) {
        logger.warn({ err }, "failed-login summary count not written; this instance sums it up");
        fallback.admit(source);
        fallbackSummaries.schedule();
      }
    },

    /** Writes the summaries still pending at once, this instance's own too (node shutdown). */
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await summariseDue(true);
      await fallbackSummaries.close();
    },
  };
}
export type FailureSummaries = ReturnType<typeof createFailureSummaries>;
