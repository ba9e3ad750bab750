import type { Connection } from "mongoose";
import type { Dashboard, DashboardProvince } from "../../contracts/hub-report.js";
import { provinceLabel } from "../../organisation/index.js";
import type { MessageLog } from "../../sharing/index.js";
import type { RegistryService } from "../registry.service.js";
import { median } from "./figures.js";
import { reportModels } from "./report.models.js";
import type { ExchangeFactsPort } from "./report.service.js";

const HOUR = 3600_000;

interface DayTally {
  records: number;
  rejected: number;
  hourly: number[];
  lagSeconds: number[];
}
const emptyDay = (): DayTally => ({ records: 0, rejected: 0, hourly: Array.from({ length: 24 }, () => 0), lagSeconds: [] });

/**
 * Cases waiting for each province's answer now, and those of them past their deadline, over every
 * case the hub holds. A case its sender ended before an answer waits for nobody (counted as
 * received less answered, each such case stayed in the backlog for good). Counted by the database
 * (the port's `backlog`): the month's `stats` from the first case read every case ever held into
 * memory on each 10 s refresh.
 */
async function exchangeBacklog(port: ExchangeFactsPort, now: Date): Promise<Map<string, { waiting: number; overdue: number }>> {
  const rows = await port.backlog(now);
  return new Map(rows.map((r) => [r.province, { waiting: r.waiting, overdue: r.overdue }]));
}

/**
 * The live view of the connection for the hub operator: who published when, what became of it,
 * the error rates of the last day and hour, and what waits. The hub cannot see a province's own
 * send queue (that is the province's 上报队列 page); it shows what it can measure: how old the
 * records were on arrival (a growing lag means a queue at the province) and the exchange messages
 * waiting at the hub for the province.
 */
export function createDashboardService(
  conn: Connection,
  deps: { registry: RegistryService; log: MessageLog; timeZone: string; exchange?: ExchangeFactsPort; now?: () => Date },
) {
  const { Intake } = reportModels(conn);
  const now = deps.now ?? (() => new Date());

  /**
   * One streaming pass over the last 24 hours of the ledger, tallied per province: memory grows
   * with the provinces and the last hour's lags, not with the day's records.
   */
  async function lastDay(firstHour: Date, at: Date): Promise<Map<string, DayTally>> {
    const out = new Map<string, DayTally>();
    const hourAgo = at.getTime() - HOUR;
    // The day's counts are the 24 hours to now; the buckets start at the first whole hour, up to
    // an hour later (counted from there, the "24 h" figures covered 23 to 24 hours).
    const dayAgo = new Date(at.getTime() - 24 * HOUR);
    const cursor = Intake.find(
      { at: { $gte: dayAgo } },
      { _id: 0, sourceProvince: 1, at: 1, outcome: 1, sourceAt: 1, recordId: 1, version: 1, contentHash: 1 },
    )
      .lean()
      .cursor();
    // A rejected record counts once per (record id, version, content) however often it is re-sent,
    // as in the monthly report (report.service.ts, tallies): our publisher re-signs each retry as a
    // new batch, and counted per row a retried rejection grew the day's rejections with every retry.
    // The conformance kit's records are in no ledger row (collection-rounds.ts), so in no figure here.
    const rejectedSeen = new Set<string>();
    for await (const r of cursor) {
      if (r.outcome === "rejected" && r.contentHash) {
        const key = JSON.stringify([r.sourceProvince, r.recordId, r.version, r.contentHash]);
        if (rejectedSeen.has(key)) continue;
        rejectedSeen.add(key);
      }
      let t = out.get(r.sourceProvince);
      if (!t) out.set(r.sourceProvince, (t = emptyDay()));
      t.records++;
      if (r.outcome === "rejected") t.rejected++;
      const i = Math.floor((r.at.getTime() - firstHour.getTime()) / HOUR);
      if (i >= 0 && i < 24) t.hourly[i]!++;
      if (r.sourceAt && r.at.getTime() >= hourAgo) t.lagSeconds.push(Math.max(0, (r.at.getTime() - r.sourceAt.getTime()) / 1000));
    }
    return out;
  }

  return {
    async snapshot(): Promise<Dashboard> {
      const at = now();
      // Whole hours, so the 24 buckets line up with the clock in any zone with hour offsets.
      const currentHour = Math.floor(at.getTime() / HOUR) * HOUR;
      const firstHour = currentHour - 23 * HOUR;
      const nodes = await deps.registry.list();
      const [tallies, messages, backlog] = await Promise.all([
        lastDay(new Date(firstHour), at),
        deps.log.countsSince(new Date(at.getTime() - HOUR)),
        deps.exchange ? exchangeBacklog(deps.exchange, at) : Promise.resolve(null),
      ]);
      const provinces = await Promise.all(
        nodes.map(async (node): Promise<DashboardProvince> => {
          const code = node.provinceCode;
          const last = await Intake.findOne({ sourceProvince: code }, { _id: 0, at: 1, batchId: 1 }).sort({ at: -1 }).lean();
          const lastRows = last ? await Intake.find({ sourceProvince: code, batchId: last.batchId, at: last.at }, { _id: 0, outcome: 1 }).lean() : [];
          const t = tallies.get(code) ?? emptyDay();
          const inbound = messages.filter((m) => m.peer === code && m.direction === "in");
          const waiting = backlog?.get(code);
          return {
            provinceCode: code,
            provinceName: provinceLabel(code),
            status: node.status,
            lastPublishedAt: last ? last.at.toISOString() : null,
            lastBatch: last
              ? {
                  batchId: last.batchId,
                  records: lastRows.length,
                  accepted: lastRows.filter((r) => r.outcome === "accepted").length,
                  rejected: lastRows.filter((r) => r.outcome === "rejected").length,
                }
              : null,
            records24h: t.records,
            rejected24h: t.rejected,
            messages1h: inbound.reduce((n, m) => n + m.count, 0),
            failedMessages1h: inbound.filter((m) => m.outcome === "refused" || m.outcome === "failed").reduce((n, m) => n + m.count, 0),
            arrivalLagSeconds: median(t.lagSeconds),
            exchangeBacklog: backlog ? (waiting?.waiting ?? 0) : null,
            exchangeOverdue: backlog ? (waiting?.overdue ?? 0) : null,
            hourly: t.hourly,
          };
        }),
      );
      return {
        generatedAt: at.toISOString(),
        timeZone: deps.timeZone,
        hours: Array.from({ length: 24 }, (_, i) => new Date(firstHour + i * HOUR).toISOString()),
        provinces,
      };
    },
  };
}
export type DashboardService = ReturnType<typeof createDashboardService>;
