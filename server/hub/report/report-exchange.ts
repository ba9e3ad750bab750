import type { ExchangeStatsRow } from "../../contracts/exchange.js";
import type { ExchangeFigures } from "../../contracts/hub-report.js";

/**
 * What the cross-province exchange (issue 13) tells the report: per province and kind, the cases
 * sent and received in a window, answered, problems, overdue, and answer times. The composition
 * root plugs in the exchange feature's `createExchangeStats`; without it the report says it has no
 * exchange figures instead of showing zeros.
 */
export interface ExchangeFactsPort {
  /** With `province`, that province's rows only (a one-province report computes no other's). */
  stats(range: { from: Date; to: Date }, province?: string): Promise<ExchangeStatsRow[]>;
  /** Per province, the cases waiting for its answer at `at` and those of them overdue (the dashboard's). */
  backlog(at: Date): Promise<{ province: string; waiting: number; overdue: number }[]>;
  /** The longest acknowledgement deadline (config EXCHANGE_*_ACK_HOURS): how long publication waits. */
  longestAnswerHours?: number;
}

/** A province's exchange figures in the report's shape, and its response rate's two counts. */
export interface ProvinceExchange {
  figures: ExchangeFigures[];
  answeredInTime: number;
  due: number;
}

/** The exchange rows of a window, by province, in the report's shape. */
export async function exchangeByProvince(
  port: ExchangeFactsPort,
  range: { from: Date; to: Date },
  province?: string,
): Promise<Map<string, ProvinceExchange>> {
  const out = new Map<string, ProvinceExchange>();
  for (const r of await port.stats(range, province)) {
    const p = out.get(r.province) ?? { figures: [], answeredInTime: 0, due: 0 };
    p.answeredInTime += r.answeredInTime;
    p.due += r.due;
    p.figures.push({
      kind: r.kind,
      sent: r.sent,
      received: r.received,
      answered: r.answered,
      problems: r.problems,
      overdue: r.overdue,
      ackMedianSeconds: r.ackMedianMs === null ? null : r.ackMedianMs / 1000,
      ackP95Seconds: r.ackP95Ms === null ? null : r.ackP95Ms / 1000,
    });
    out.set(r.province, p);
  }
  return out;
}
