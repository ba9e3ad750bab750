import mongoose, { type Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { Logger } from "../lib/logger.js";
import { createDueRunner } from "../lib/due-runner.js";
import { createFailureCount, type PeriodCount } from "./failure-count.js";
import { loginRateModel } from "./login-rates.js";

/** How long after a period ends its summary is written: the instances' counts handed in a moment late still get in. */
const GRACE_MS = 2_000;
/** How many later periods a count tries when the one it fell in was summed up already. */
const LATE_TRIES = 3;
/** How many times a period's summary is tried before this instance leaves it (logged). */
const WRITE_TRIES = 3;
/**
 * Sources an instance remembers and hands in per period. It bounds the instance's memory and the
 * node's row (instances × this many client keys for each hand-in, and a row can take an
 * instance's late hand-in of the period before besides its own); past it the summary says its
 * source count is a lower bound (`sourcesLeftOut`).
 */
const SOURCES_PER_INSTANCE = 1_000;
/** How many periods back an instance looks for periods counted into and never summed up. */
const ORPHAN_PERIODS = 60;

const ACTION = "auth.login_failures_summarised";

export interface FailureSummaryOptions {
  /** The length of a summary's period (default a minute); periods are whole multiples of it on `clock`. */
  windowMs: number;
  /** The node's database clock, which every instance reads alike. */
  clock: () => Date;
  audit: AuditLog;
  logger: Logger;
}

/** A period waiting to be summed up by this instance: when to try, and the tries failed so far. */
interface Waiting {
  period: number;
  at: number;
  failed: number;
}

/**
 * The summaries of failed logins not audited one by one (login-rates.ts `createFailedLoginBudget`),
 * one per period for the whole node.
 *
 * Each instance counts them in its own memory (failure-count.ts): a flood past the budget costs
 * no database write per failure, and the login never waits on one. They were two upserts each on
 * one contended row, during exactly the flood the budget exists for. Once the period is over, the instance hands its count in, one
 * update of the node's row (`login_rates`, `failed-summary:<window>:<period>`: `$inc` of the count
 * and `$addToSet` of its distinct sources, at most SOURCES_PER_INSTANCE), so `sources` counts a
 * source that failed on two instances once. A grace after the period ends, every instance that
 * handed in tries to write the period's summary: the one whose transaction marks the row
 * `summarised` writes the entry in that same transaction, the others find it marked and write
 * nothing. A count handed in once its period is summed up goes into the next period. Where the
 * node's row cannot be written, the instance audits its own count itself, so it is never lost
 * from the record. Both steps run on lib/due-runner.ts's timers, and at once at shutdown.
 *
 * What a crash loses: an instance that stops without shutting down (close) loses the failures it
 * counted since it last handed in: its own share of the period under way, and of the one before
 * if the crash came in the moment before that period's hand-in (it hands in at every period's
 * end, so never more). A period it handed in but did not sum up is not lost: the next instance
 * that sums up any period sums it up too, late, ORPHAN_PERIODS back at most (its row is kept that
 * long). A count neither handed in nor audited alone (the database out of reach for both) is
 * logged as lost.
 */
export function createFailureSummaries(conn: Connection, options: FailureSummaryOptions) {
  const Rates = loginRateModel(conn);
  const { windowMs, clock, audit, logger } = options;
  const now = () => clock().getTime();
  const prefix = `failed-summary:${windowMs}:`;
  const periodKey = (p: number) => `${prefix}${p}`;
  // A row outlives its period by long enough for a late instance, or an orphan sweep, to write it.
  const expiry = (p: number) => new Date((p + 2 + ORPHAN_PERIODS) * windowMs + 10 * 60_000);
  const retryMs = Math.min(windowMs, 10_000);
  /** Shut down: a summary that fails now is not tried again here (the orphan sweep of another is). */
  let closing = false;

  // This instance's failures since it last handed them in.
  const counted = createFailureCount({ windowMs, maxSources: SOURCES_PER_INSTANCE, now });
  const handing = createDueRunner<PeriodCount>({
    msUntilDue: () => counted.msUntilDue(),
    take: (o) => counted.take(o),
    run: handIn,
    logger,
    failureMessage: "failed-login count could not be handed in or audited; it is lost",
  });

  /** Periods this instance handed a count into and has not seen summed up yet. */
  const waiting = new Map<number, Waiting>();
  const summing = createDueRunner<Waiting[]>({
    msUntilDue: () =>
      waiting.size === 0 ? null : Math.max(0, Math.min(...[...waiting.values()].map((w) => w.at)) - now()),
    take: ({ force }) => {
      const t = now();
      const due = [...waiting.values()].filter((w) => force || w.at <= t).sort((a, b) => a.period - b.period);
      for (const w of due) waiting.delete(w.period);
      return due.length > 0 ? due : null;
    },
    run: summariseDue,
    logger,
    failureMessage: "failed-login summary step failed; what it held is lost",
  });

  /** Adds `c` into period `p`'s row, or a later one's when `p` is summed up; answers the period. */
  async function addInto(p: number, c: PeriodCount): Promise<number> {
    let period = p;
    for (let tries = 0; tries <= 2 * LATE_TRIES && period <= p + LATE_TRIES; tries++) {
      try {
        // Filtered on `summarised: false`: on a summed-up row the upsert's insert collides instead.
        await Rates.updateOne(
          { _id: periodKey(period), summarised: false },
          {
            $inc: { count: c.count },
            $addToSet: { sources: { $each: c.sources } },
            ...(c.sourcesLeftOut ? { $set: { sourcesLeftOut: true } } : {}),
            $setOnInsert: { period, expireAt: expiry(period) },
          },
          { upsert: true },
        );
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

  /** Hands this instance's count in to the node's row; where it cannot be, audits it alone. */
  async function handIn(c: PeriodCount): Promise<void> {
    let period: number;
    try {
      period = await addInto(c.period, c);
    } catch (err) {
      logger.warn({ err }, "failed-login count not handed in to the node; this instance sums it up");
      // Thrown on when this fails too: the runner (lib/due-runner.ts) logs the count as lost.
      await audit.record({
        action: ACTION,
        actor: null,
        details: details(c.count, c.sources.length, c.sourcesLeftOut),
      });
      return;
    }
    if (!waiting.has(period))
      waiting.set(period, { period, at: (period + 1) * windowMs + GRACE_MS, failed: 0 });
    summing.schedule();
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
      await audit.append(session, {
        action: ACTION,
        actor: null,
        details: details(row.count ?? 0, row.sources?.length ?? 0, row.sourcesLeftOut === true),
      });
    });
  }

  /**
   * Periods another instance handed a count into and never summed up (it stopped in between) that
   * are over: summed up here with this instance's own, late but not lost.
   */
  async function orphans(own: Waiting[]): Promise<number[]> {
    const over = Math.floor((now() - GRACE_MS) / windowMs) - 1;
    const rows = await Rates.find(
      {
        _id: { $gte: prefix, $lt: `${prefix}\uffff` },
        summarised: false,
        period: { $gte: over - ORPHAN_PERIODS, $lte: over },
      },
      { period: 1 },
    ).lean();
    const mine = new Set(own.map((w) => w.period));
    return rows.flatMap((r) => (r.period === undefined || mine.has(r.period) ? [] : [r.period]));
  }

  /** Writes the summaries of the periods due; one that fails is tried again a few times. */
  async function summariseDue(due: Waiting[]): Promise<void> {
    for (const w of due) {
      try {
        await summarise(w.period);
      } catch (err) {
        // Not in a loop without end, and not at all once shut down or the connection is closed:
        // no timer is left to try. Its row stays, so another instance may still write it (its own
        // try, or its orphan sweep); `lost` says this instance gave it up.
        const lost = w.failed + 1 >= WRITE_TRIES || closing || isClosed();
        if (!lost) waiting.set(w.period, { ...w, at: now() + retryMs, failed: w.failed + 1 });
        logger.error({ err, period: w.period, lost }, "failed-login summary could not be written");
      }
    }
    if (isClosed()) return;
    const left = await orphans(due).catch((err: unknown) => {
      logger.warn({ err }, "failed-login periods left unsummarised not read");
      return [];
    });
    for (const p of left)
      await summarise(p).catch((err: unknown) =>
        logger.warn({ err, period: p }, "unsummarised failed-login period could not be written"),
      );
  }

  /** The connection is closed or closing: nothing can be written. */
  const isClosed = (): boolean =>
    conn.readyState === mongoose.ConnectionStates.disconnected ||
    conn.readyState === mongoose.ConnectionStates.disconnecting;

  return {
    /** A failure from `source` not audited one by one: counted in memory for its period's summary. */
    count(source: string): void {
      counted.count(source);
      handing.schedule();
    },

    /** Hands in what is still counted and writes the summaries still waiting at once (node shutdown). */
    async close(): Promise<void> {
      closing = true;
      await handing.close();
      await summing.close();
    },
  };
}
export type FailureSummaries = ReturnType<typeof createFailureSummaries>;

/** An entry's details: the source count says when it is a lower bound. */
function details(count: number, sources: number, sourcesLeftOut: boolean) {
  return sourcesLeftOut ? { count, sources, sourcesLeftOut: true } : { count, sources };
}
