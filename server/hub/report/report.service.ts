import type { Connection } from "mongoose";
import { CONFORMANCE_RECORD_FILTER } from "../../contracts/hub-collection.js";
import {
  REPORTING_STATUS_LABELS,
  type CurrentMonthReport,
  type LatencySummary,
  type ProvinceMonthReport,
  type ReportingExemption,
  type ReportingStatus,
} from "../../contracts/hub-report.js";
import { errors } from "../../lib/errors.js";
import { isKnownDivision, provinceLabel } from "../../organisation/index.js";
import { hubModels } from "../hub.models.js";
import type { RegistryService } from "../registry.service.js";
import {
  COMPLETENESS_ELEMENTS,
  median,
  percentile,
  qualityScore,
  ratio,
  SCORE_WEIGHTS,
  type ScoreKey,
} from "./figures.js";
import { monthWindow, type MonthWindow } from "./month.js";
import { reportModels } from "./report.models.js";
import { exchangeByProvince, type ExchangeFactsPort, type ProvinceExchange } from "./report-exchange.js";

export type { ExchangeFactsPort } from "./report-exchange.js";

export interface ReportDeps {
  registry: RegistryService;
  timeZone: string;
  latencyTargetHours: number;
  /** Legacy exemptions (HUB_REPORT_EXEMPTIONS): months a province owes no report. */
  exemptions?: readonly ReportingExemption[];
  exchange?: ExchangeFactsPort;
  now?: () => Date;
}

/** A province the report covers: its code, since when it is in the network, when the hub suspended it. */
interface CoveredProvince {
  code: string;
  registeredAt: Date;
  /** The registry's dated suspensions (`to` null: still suspended); none for a node never suspended. */
  suspensions?: readonly { from: Date; to: Date | null }[];
}

/** Whether the hub had the province suspended at any instant of the month's window (`to` exclusive). */
function suspendedIn(p: CoveredProvince, window: MonthWindow): boolean {
  return (p.suspensions ?? []).some(
    (s) => s.from.getTime() < window.to.getTime() && (s.to === null || s.to.getTime() > window.from.getTime()),
  );
}

/**
 * A province's reporting status in a month (REPORTING_STATUS_LABELS). Records sent make it
 * `reported` whatever it owed, a month partly suspended included: what reached the hub is counted
 * as any month's. Having sent none is a failure (`not_reported`) only if it owed a report: not when
 * an exemption covers the month, nor before the first whole month after its registration (a
 * province that joins on the 20th owes no report for the ten days it had), nor when the hub had
 * it suspended at any time in the month (`suspended`, 暂停接入): the hub refused its batches
 * (node_suspended), and the signed report, which cannot be corrected, must not blame it for that.
 */
export function reportingStatus(
  p: CoveredProvince,
  window: MonthWindow,
  published: number,
  exemptions: readonly ReportingExemption[],
): ReportingStatus {
  if (published > 0) return "reported";
  const exempt = exemptions.some(
    (e) => e.provinceCode === p.code && e.from <= window.month && (e.to === null || window.month <= e.to),
  );
  if (exempt) return "exempted";
  if (p.registeredAt.getTime() >= window.from.getTime()) return "not_due";
  if (suspendedIn(p, window)) return "suspended";
  return "not_reported";
}

/** The month's last judgement of one record (acceptance, completeness: each record once). */
interface Judgement {
  at: number;
  index: number;
  accepted: boolean;
  elements: Record<string, boolean>;
}

/** The first version of a record accepted in the month, and when its latency starts (timeliness: each record once). */
interface FirstAccepted {
  at: number;
  index: number;
  start: Date | null;
  recordType: string | null;
}

interface Tally {
  published: number;
  outcomes: Record<"accepted" | "duplicate" | "stale" | "rejected", number>;
  reasons: Map<string, number>;
  judged: Map<string, Judgement>;
  firstAccepted: Map<string, FirstAccepted>;
}

const emptyTally = (): Tally => ({
  published: 0,
  outcomes: { accepted: 0, duplicate: 0, stale: 0, rejected: 0 },
  reasons: new Map(),
  judged: new Map(),
  firstAccepted: new Map(),
});

/**
 * A rejection that judges who holds the practitioner, not the record: the record passed every
 * check, and another province's earlier records (possibly its mistake) decided the refusal, or the
 * home is contested and waits for the hub operator (home_contested). Shown under its reason, never
 * counted against the refused province's acceptance.
 */
const OWNERSHIP_ONLY = new Set(["not_home_province", "home_contested"]);

/** Whether `a` came before `b` in the ledger (arrival, then place in the batch). */
const earlier = (a: { at: number; index: number }, b: { at: number; index: number }) =>
  a.at < b.at || (a.at === b.at && a.index < b.index);

/**
 * When an accepted row's latency starts: its UpdateTime (the province's own word), no later than
 * the end of its exam or issue day when the record was new at the hub (recordDateAt): a pass from
 * an exam weeks ago stamped with the UpdateTime of its sending was counted as minutes late.
 */
function latencyStart(row: { sourceAt?: Date | null; recordDateAt?: Date | null }): Date | null {
  const claimed = row.sourceAt ?? null;
  const bound = row.recordDateAt ?? null;
  if (!bound) return claimed;
  return claimed && claimed.getTime() < bound.getTime() ? claimed : bound;
}

/** A tally's per-record figures: acceptance, completeness elements and latencies, each record once. */
function perRecord(t: Tally) {
  let accepted = 0;
  let rejected = 0;
  const elements = new Map<string, { applicable: number; present: number }>();
  for (const j of t.judged.values()) {
    if (!j.accepted) {
      rejected++;
      continue;
    }
    accepted++;
    for (const [key, present] of Object.entries(j.elements)) {
      const e = elements.get(key) ?? { applicable: 0, present: 0 };
      e.applicable++;
      if (present) e.present++;
      elements.set(key, e);
    }
  }
  const recordLatency: number[] = [];
  const examLatency: number[] = [];
  for (const f of t.firstAccepted.values()) {
    if (!f.start) continue;
    const seconds = Math.max(0, (f.at - f.start.getTime()) / 1000);
    recordLatency.push(seconds);
    if (f.recordType === "exam_pass") examLatency.push(seconds);
  }
  return { accepted, rejected, elements, recordLatency, examLatency };
}

function latencySummary(seconds: number[], targetSeconds: number): LatencySummary {
  return {
    count: seconds.length,
    medianSeconds: median(seconds),
    p95Seconds: percentile(seconds, 95),
    withinTarget: seconds.filter((s) => s <= targetSeconds).length,
  };
}

/** The monthly report's figures, computed from the intake ledger, the change log and the exchange. */
export function createReportService(conn: Connection, deps: ReportDeps) {
  const hub = hubModels(conn);
  const { Intake } = reportModels(conn);
  const now = deps.now ?? (() => new Date());
  const targetSeconds = deps.latencyTargetHours * 3600;

  /** The provinces a report covers: every registered one, or the one asked for (refused when unknown). */
  async function provincesFor(province: string | undefined): Promise<CoveredProvince[]> {
    const registered = (await deps.registry.coverage()).map((n) => ({
      code: n.provinceCode,
      registeredAt: n.registeredAt,
      suspensions: n.suspensions,
    }));
    if (!province) return registered;
    if (!isKnownDivision(province) || !province.endsWith("0000"))
      throw errors.badRequest("unknown_province", `${province} 不是 GB/T 2260 省级行政区划代码`);
    const node = registered.find((n) => n.code === province);
    if (!node) throw errors.notFound(`${provinceLabel(province)}的省级节点（未在全国中心登记）`, "province_not_registered");
    return [node];
  }

  async function tallies(window: MonthWindow, provinces: readonly string[]): Promise<Map<string, Tally>> {
    const out = new Map(provinces.map((p) => [p, emptyTally()]));
    const cursor = Intake.find(
      { sourceProvince: { $in: provinces }, at: { $gte: window.from, $lt: window.to } },
      {
        _id: 0, sourceProvince: 1, outcome: 1, reasonCodes: 1, recordType: 1, at: 1, sourceAt: 1, elements: 1,
        // What a rejection is recognised by when it is re-sent.
        recordId: 1, version: 1, contentHash: 1,
        // What tells one record from another, and a new record's own date (timeliness).
        batchId: 1, index: 1, recordDateAt: 1,
      },
    )
      .lean()
      .cursor();
    // A rejected record is counted once a month per (record id, version, content), however often it
    // is re-sent: a province's publisher re-signs each attempt (new nonce, new batch id), so the
    // hub cannot tell a retry from a new batch by its envelope, and a stored answer per batch id
    // would miss exactly those retries. Its content can: the same record judged again says nothing
    // new of the province, while a corrected one (other content) is a new judgement and counts.
    // Rows written before the content was kept have none and count each, as they always did.
    const rejectedSeen = new Set<string>();
    for await (const row of cursor) {
      const t = out.get(row.sourceProvince);
      if (!t) continue;
      if (row.outcome === "rejected" && row.contentHash) {
        const key = JSON.stringify([row.sourceProvince, row.recordId, row.version, row.contentHash]);
        if (rejectedSeen.has(key)) continue;
        rejectedSeen.add(key);
      }
      t.published++;
      t.outcomes[row.outcome]++;
      if (row.outcome === "rejected") for (const code of row.reasonCodes) t.reasons.set(code, (t.reasons.get(code) ?? 0) + 1);
      // The score judges records, not sendings: each record once, by the month's last judgement
      // of it (its versions re-sent one by one counted each as another accepted record). A record
      // without an id (unreadable) is its own record.
      const record = row.recordId ?? `\u0000${row.batchId}#${row.index}`;
      const place = { at: row.at.getTime(), index: row.index };
      // Left out only when every reason is ownership: a rejection with no reason code is still one.
      const ownershipOnly = row.reasonCodes.length > 0 && row.reasonCodes.every((c) => OWNERSHIP_ONLY.has(c));
      const judged = row.outcome === "accepted" || (row.outcome === "rejected" && !ownershipOnly);
      if (judged) {
        const last = t.judged.get(record);
        if (!last || !earlier(place, last))
          t.judged.set(record, {
            ...place,
            accepted: row.outcome === "accepted",
            elements: row.outcome === "accepted" ? ((row.elements ?? {}) as Record<string, boolean>) : {},
          });
      }
      if (row.outcome !== "accepted") continue;
      const first = t.firstAccepted.get(record);
      if (!first || earlier(place, first))
        t.firstAccepted.set(record, { ...place, start: latencyStart(row), recordType: row.recordType ?? null });
    }
    return out;
  }

  /**
   * The change log's records by the province that sent them, as the ledger counts them. Counted by
   * home, a former home's update after a transfer and the transfer's own move were credited to the
   * new home, and both provinces showed 不一致 with nothing amiss. Changes logged before the log
   * kept its source fall back to the home, which was the sender for all but those updates.
   */
  async function changesAccepted(window: MonthWindow, provinces: readonly string[]): Promise<Map<string, number>> {
    const rows = await hub.Changes.aggregate<{ _id: string; n: number }>([
      // The conformance kit's test records are left out here as in the intake ledger (ledgerConsistent).
      { $match: { at: { $gte: window.from, $lt: window.to }, recordType: { $ne: "transfer" }, $nor: [CONFORMANCE_RECORD_FILTER] } },
      { $group: { _id: { $ifNull: ["$sourceProvince", "$homeProvince"] }, n: { $sum: 1 } } },
    ]);
    return new Map(rows.filter((r) => provinces.includes(r._id)).map((r) => [r._id, r.n]));
  }

  function figuresOf(
    province: CoveredProvince,
    window: MonthWindow,
    t: Tally,
    changes: number,
    exchange: ProvinceExchange | null,
  ): ProvinceMonthReport {
    const code = province.code;
    const status = reportingStatus(province, window, t.published, deps.exemptions ?? []);
    const records = perRecord(t);
    const completeness = COMPLETENESS_ELEMENTS.map((e) => ({
      key: e.key,
      label: e.label,
      applicable: records.elements.get(e.key)?.applicable ?? 0,
      present: records.elements.get(e.key)?.present ?? 0,
    }));
    const recordLatency = latencySummary(records.recordLatency, targetSeconds);
    const values: Record<ScoreKey, number | null> = {
      acceptance: ratio(records.accepted, records.accepted + records.rejected),
      timeliness: ratio(recordLatency.withinTarget, recordLatency.count),
      completeness: ratio(
        completeness.reduce((n, e) => n + e.present, 0),
        completeness.reduce((n, e) => n + e.applicable, 0),
      ),
      responsiveness: exchange ? ratio(exchange.answeredInTime, exchange.due) : null,
    };
    return {
      provinceCode: code,
      provinceName: provinceLabel(code),
      reportingStatus: status,
      reportingStatusLabel: REPORTING_STATUS_LABELS[status],
      published: t.published,
      ...t.outcomes,
      rejectedByReason: [...t.reasons.entries()]
        .map(([reason, count]) => ({ code: reason, count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      examLatency: latencySummary(records.examLatency, targetSeconds),
      recordLatency,
      completeness,
      exchange: exchange?.figures ?? [],
      score: qualityScore(values),
      components: (Object.keys(SCORE_WEIGHTS) as ScoreKey[]).map((key) => ({
        key,
        label: SCORE_WEIGHTS[key].label,
        weight: SCORE_WEIGHTS[key].weight,
        value: values[key],
      })),
      ledgerConsistent: changes === t.outcomes.accepted,
      changesAccepted: changes,
    };
  }

  return {
    /** The report of `month` (YYYY-MM in the hub's zone), for every registered province or one. */
    async monthReport(month: string, province?: string): Promise<CurrentMonthReport> {
      const at = now();
      const window = monthWindow(month, deps.timeZone, at);
      const covered = await provincesFor(province);
      const provinces = covered.map((p) => p.code);
      const [tally, changes, exchange] = await Promise.all([
        tallies(window, provinces),
        changesAccepted(window, provinces),
        deps.exchange ? exchangeByProvince(deps.exchange, window, province) : Promise.resolve(null),
      ]);
      return {
        format: "roadcert-monthly-report/2",
        month: window.month,
        timeZone: deps.timeZone,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        partial: window.partial,
        generatedAt: at.toISOString(),
        latencyTargetHours: deps.latencyTargetHours,
        exchangeIncluded: exchange !== null,
        provinces: covered.map((p) =>
          figuresOf(
            p,
            window,
            tally.get(p.code) ?? emptyTally(),
            changes.get(p.code) ?? 0,
            exchange ? (exchange.get(p.code) ?? { figures: [], answeredInTime: 0, due: 0 }) : null,
          ),
        ),
      };
    },
  };
}
export type ReportService = ReturnType<typeof createReportService>;
