import type { Connection } from "mongoose";
import type { ExchangeKind, ExchangeStatsRow } from "../contracts/exchange.js";
import { hubExchangeModels } from "./hub-exchange.models.js";

/** The 0-based position of the value at fraction `q` of `n` sorted numbers (nearest rank). */
function rankOf(q: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
}

type Group = { _id: { province: string; kind: ExchangeKind } };

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
    /**
     * Counted by the database, grouped by province and kind; the answer-time percentiles read one
     * sorted stream of answer times, keeping only the two ranks of each group. It used to read
     * every case of the month into the hub's memory on each report, CSV and publication, and for
     * every province when one was asked for. With `province`, only its rows are computed.
     */
    async stats(range: { from: Date; to: Date }, province?: string): Promise<ExchangeStatsRow[]> {
      const t = now();
      const inRange = { sentAt: { $gte: range.from, $lt: range.to } };
      const answered = { $ne: [{ $ifNull: ["$answeredAt", null] }, null] };
      const open = { $and: [{ $not: [answered] }, { $ne: ["$state", "ended"] }] };
      // As before: answered after the deadline, or unanswered past it and not ended; or escalated.
      const late = {
        $cond: [answered, { $gt: ["$answeredAt", "$deadlineAt"] }, { $and: [{ $lte: ["$deadlineAt", t] }, { $ne: ["$state", "ended"] }] }],
      };
      const overdue = { $or: [{ $eq: ["$overdue", true] }, late] };
      const count = (condition: unknown) => ({ $sum: { $cond: [condition, 1, 0] } });
      const [sent, received] = await Promise.all([
        m.Cases.aggregate<Group & { sent: number }>([
          { $match: { ...inRange, ...(province ? { fromProvince: province } : {}) } },
          { $group: { _id: { province: "$fromProvince", kind: "$kind" }, sent: { $sum: 1 } } },
        ]),
        m.Cases.aggregate<Group & Pick<ExchangeStatsRow, "received" | "answered" | "problems" | "overdue" | "waitingOpen" | "overdueOpen" | "answeredInTime" | "due">>([
          { $match: { ...inRange, ...(province ? { toProvince: province } : {}) } },
          {
            $group: {
              _id: { province: "$toProvince", kind: "$kind" },
              received: { $sum: 1 },
              answered: count(answered),
              // The answer, not the state: a problem answer its sender then ended is still a problem answered.
              problems: count({ $eq: ["$ack.outcome", "problem"] }),
              overdue: count(overdue),
              // Not yet due (open, deadline ahead) is neither answered in time nor missed: counted as
              // answered, a report made right after month end scored the last days' open cases as met.
              answeredInTime: count({ $and: [answered, { $not: [overdue] }] }),
              due: count({ $or: [answered, overdue] }),
              waitingOpen: count(open),
              overdueOpen: count({ $and: [open, { $lte: ["$deadlineAt", t] }] }),
            },
          },
        ]),
      ]);
      const rows = new Map<string, ExchangeStatsRow>();
      const row = ({ province: p, kind }: Group["_id"]) => {
        const key = `${p}:${kind}`;
        let r = rows.get(key);
        if (!r) {
          r = { province: p, kind, sent: 0, received: 0, answered: 0, problems: 0, ackMedianMs: null, ackP95Ms: null, overdue: 0, waitingOpen: 0, overdueOpen: 0, answeredInTime: 0, due: 0 };
          rows.set(key, r);
        }
        return r;
      };
      for (const g of sent) row(g._id).sent = g.sent;
      for (const { _id, ...figures } of received) Object.assign(row(_id), figures);

      // Each group's answer times in order; a group's size is its `answered`, so the ranks are known
      // before its first time arrives.
      type AnswerTime = { p: string; kind: ExchangeKind; ms: number };
      const times = m.Cases.aggregate<AnswerTime>([
        { $match: { ...inRange, ...(province ? { toProvince: province } : {}), answeredAt: { $ne: null } } },
        { $project: { _id: 0, p: "$toProvince", kind: 1, ms: { $subtract: ["$answeredAt", "$sentAt"] } } },
        { $sort: { p: 1, kind: 1, ms: 1 } },
      ]).cursor<AnswerTime>();
      let group = "";
      let position = 0;
      for await (const x of times) {
        const key = `${x.p}:${x.kind}`;
        position = key === group ? position + 1 : 0;
        group = key;
        const r = rows.get(key);
        if (!r) continue;
        if (position === rankOf(0.5, r.answered)) r.ackMedianMs = x.ms;
        if (position === rankOf(0.95, r.answered)) r.ackP95Ms = x.ms;
      }
      return [...rows.values()].sort((a, b) =>
        a.province === b.province ? a.kind.localeCompare(b.kind) : a.province.localeCompare(b.province),
      );
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
