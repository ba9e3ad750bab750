import type { Connection } from "mongoose";
import type { ExchangeKind, ExchangeStatsRow } from "../contracts/exchange.js";
import { hubExchangeModels } from "./hub-exchange.models.js";

/** The value at fraction `q` of sorted numbers (nearest rank), or null for none. */
function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

/**
 * The exchange figures per province and kind for cases sent in [from, to): what the monthly
 * report (月度通报) counts. `answered`/ack times count the home province's answer (acknowledged or
 * problem) from the moment the hub held the case; `overdue` counts cases the hub escalated.
 * Read-only; computed from `exchange_cases` so it always equals the raw records.
 */
export function createExchangeStats(conn: Connection, deps: { now?: () => Date } = {}) {
  const m = hubExchangeModels(conn);
  const now = deps.now ?? (() => new Date());
  return {
    async stats(range: { from: Date; to: Date }): Promise<ExchangeStatsRow[]> {
      const cases = await m.Cases.find(
        { sentAt: { $gte: range.from, $lt: range.to } },
        { _id: 0, kind: 1, fromProvince: 1, toProvince: 1, sentAt: 1, answeredAt: 1, state: 1, ack: 1, overdue: 1, deadlineAt: 1 },
      ).lean();
      const rows = new Map<string, ExchangeStatsRow & { times: number[] }>();
      const row = (province: string, kind: ExchangeKind) => {
        const key = `${province}:${kind}`;
        let r = rows.get(key);
        if (!r) {
          r = { province, kind, sent: 0, received: 0, answered: 0, problems: 0, ackMedianMs: null, ackP95Ms: null, overdue: 0, waitingOpen: 0, overdueOpen: 0, times: [] };
          rows.set(key, r);
        }
        return r;
      };
      const t = now().getTime();
      for (const c of cases) {
        row(c.fromProvince, c.kind).sent++;
        const r = row(c.toProvince, c.kind);
        r.received++;
        if (c.answeredAt) {
          r.answered++;
          r.times.push(c.answeredAt.getTime() - c.sentAt.getTime());
        }
        // The answer, not the state: a problem answer its sender then ended is still a problem answered.
        if ((c.ack as { outcome?: string } | null)?.outcome === "problem") r.problems++;
        const late = c.answeredAt ? c.answeredAt > c.deadlineAt : c.deadlineAt.getTime() <= t && c.state !== "ended";
        if (c.overdue || late) r.overdue++;
        if (!c.answeredAt && c.state !== "ended") r.waitingOpen++;
        if (!c.answeredAt && c.state !== "ended" && c.deadlineAt.getTime() <= t) r.overdueOpen++;
      }
      return [...rows.values()]
        .map(({ times, ...r }) => {
          const sorted = times.sort((a, b) => a - b);
          return { ...r, ackMedianMs: quantile(sorted, 0.5), ackP95Ms: quantile(sorted, 0.95) };
        })
        .sort((a, b) => (a.province === b.province ? a.kind.localeCompare(b.kind) : a.province.localeCompare(b.province)));
    },

    /**
     * Cases waiting for each province's answer at `at` (sent before it, unanswered, not ended), and
     * those of them past their deadline: the live dashboard's backlog, the sum of `stats`'
     * waitingOpen and overdueOpen over every case. Counted by the database over the open cases
     * (the state index) on each refresh: `stats` from the first case read every case ever held.
     * Unanswered and not ended is sent or delivered: an answer sets its state and answeredAt at once.
     */
    async backlog(at: Date): Promise<{ province: string; waiting: number; overdue: number }[]> {
      const rows = await m.Cases.aggregate<{ _id: string; waiting: number; overdue: number }>([
        { $match: { state: { $in: ["sent", "delivered"] }, answeredAt: null, sentAt: { $lt: at } } },
        {
          $group: {
            _id: "$toProvince",
            waiting: { $sum: 1 },
            overdue: { $sum: { $cond: [{ $lte: ["$deadlineAt", at] }, 1, 0] } },
          },
        },
      ]);
      return rows.map((r) => ({ province: r._id, waiting: r.waiting, overdue: r.overdue }));
    },
  };
}
export type ExchangeStats = ReturnType<typeof createExchangeStats>;
