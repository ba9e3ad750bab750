import { z } from "zod";
import { ProvinceCode } from "./hub-base.js";

// Bounded like every contract: the verify script parses published reports from files.
const Text = (max = 100) => z.string().max(max);
/** At most every GB/T 2260 province and then some. */
const MAX_PROVINCES = 64;

/**
 * The hub's monthly report (月度通报) and data-quality scores (数据质量评估), and the live
 * dashboard of the connection. Months are calendar months in the hub's one time zone.
 */

/** `YYYY-MM`, month 01–12. Whether it is in the past is the service's question (it owns the clock). */
export const ReportMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "月份须为 YYYY-MM，如 2026-11");
export type ReportMonth = z.infer<typeof ReportMonth>;

export const ReportMonthParams = z.object({ month: ReportMonth }).strict();
export const ReportQuery = z.object({ province: ProvinceCode.optional() }).strict();

/** A percentile summary of latencies in seconds; null figures when no record had a latency. */
export const LatencySummary = z.strictObject({
  count: z.int(),
  medianSeconds: z.number().nullable(),
  p95Seconds: z.number().nullable(),
  /** Records that reached the hub within the target (config REPORT_LATENCY_TARGET_HOURS). */
  withinTarget: z.int(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;

export const CompletenessElement = z.strictObject({
  key: Text(40),
  label: Text(),
  /** Accepted records the element applies to, and those that carried it. */
  applicable: z.int(),
  present: z.int(),
});

/** Cross-province exchange figures (filings, transfers, enforcement notices) of one province. */
export const ExchangeFigures = z.strictObject({
  kind: z.enum(["filing", "transfer", "notice"]),
  sent: z.int(),
  received: z.int(),
  /** Received cases the province answered: acknowledged, or a problem raised. */
  answered: z.int(),
  problems: z.int(),
  /** Received cases whose acknowledgement deadline passed unanswered (answered late or still open). */
  overdue: z.int(),
  ackMedianSeconds: z.number().nullable(),
  ackP95Seconds: z.number().nullable(),
});
export type ExchangeFigures = z.infer<typeof ExchangeFigures>;

export const ScoreComponent = z.strictObject({
  key: z.enum(["acceptance", "timeliness", "completeness", "responsiveness"]),
  label: Text(),
  weight: z.number(),
  /** 0–1, or null when the province had nothing to measure (its weight then goes to the others). */
  value: z.number().nullable(),
});

/**
 * A province's standing in a month's reporting (上报状态), as a stable code with the Chinese name
 * the pages and the CSV show. Only `not_reported` is a failure: a province that sent nothing owed
 * nothing when an exemption covered the month (存量系统过渡期, HUB_REPORT_EXEMPTIONS) or when it was
 * not yet in the network (it owes reports from the first whole month after its registration).
 * A province that sent records is `reported`, whatever it owed. One that sent none in a month the
 * hub had its node suspended at any time is `suspended` (暂停接入): the hub refused its batches.
 */
export const REPORTING_STATUS_LABELS = {
  reported: "已上报",
  not_reported: "未上报",
  exempted: "豁免上报（存量系统过渡期）",
  not_due: "未到上报期（尚未接入）",
  suspended: "暂停接入",
} as const;
export type ReportingStatus = keyof typeof REPORTING_STATUS_LABELS;
export const ReportingStatus = z.enum(Object.keys(REPORTING_STATUS_LABELS) as [ReportingStatus, ...ReportingStatus[]]);

/** At most this many exemption entries in the setting (one or two per province is plenty). */
const MAX_EXEMPTIONS = 200;
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
/** One legacy exemption: the province owes no report in the months `from`–`to` (no `to`: until further notice). */
export const ReportingExemption = z.strictObject({ provinceCode: ProvinceCode, from: Month, to: Month.nullable() });
export type ReportingExemption = z.infer<typeof ReportingExemption>;

/**
 * The HUB_REPORT_EXEMPTIONS setting: comma-separated `province:from..to` entries, months
 * `YYYY-MM`, `to` left out for an exemption until further notice, e.g.
 * `110000:2026-01..2026-06,440000:2026-03..`. Each bad entry is named; none is skipped.
 */
export const ReportingExemptions = z
  .string()
  .max(10_000)
  .transform((text, ctx): ReportingExemption[] => {
    if (text.trim() === "") return [];
    const out: ReportingExemption[] = [];
    const entries = text.split(",");
    if (entries.length > MAX_EXEMPTIONS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_EXEMPTIONS} exemptions` });
      return z.NEVER;
    }
    for (const raw of entries) {
      const entry = raw.trim();
      const m = /^(\d{6}):(\d{4}-\d{2})\.\.(\d{4}-\d{2})?$/.exec(entry);
      const parsed = m ? ReportingExemption.safeParse({ provinceCode: m[1], from: m[2], to: m[3] ?? null }) : null;
      if (!parsed?.success || (parsed.data.to !== null && parsed.data.to < parsed.data.from))
        ctx.addIssue({ code: "custom", message: `"${entry.slice(0, 40)}" is no exemption: write province:YYYY-MM..YYYY-MM (or province:YYYY-MM.. with no end), from no later than to` });
      else out.push(parsed.data);
    }
    return out;
  });

export const ProvinceMonthFigures = z.strictObject({
  provinceCode: Text(6),
  provinceName: Text(),
  /** Every record the province sent this month, whatever the outcome. */
  published: z.int(),
  accepted: z.int(),
  duplicate: z.int(),
  stale: z.int(),
  rejected: z.int(),
  /** Rejected records per reason code (a record with two reasons counts under both). */
  rejectedByReason: z.array(z.strictObject({ code: Text(60), count: z.int() })).max(100),
  /** From exam submission (the record's UpdateTime) to the hub's receipt, exam passes accepted. */
  examLatency: LatencySummary,
  /** From the record's UpdateTime to the hub's receipt, every accepted record (passes and certificates). */
  recordLatency: LatencySummary,
  completeness: z.array(CompletenessElement).max(20),
  exchange: z.array(ExchangeFigures).max(3),
  score: z.number().nullable(),
  components: z.array(ScoreComponent).max(4),
  /**
   * Whether the intake ledger agrees with the hub's change log on accepted records. False means
   * the ledger missed a write; the figure is shown flagged, not silently trusted.
   */
  ledgerConsistent: z.boolean(),
  changesAccepted: z.int(),
});
export type ProvinceMonthFigures = z.infer<typeof ProvinceMonthFigures>;

/** A province's figures with its reporting status (format /2 on). */
export const ProvinceMonthReport = ProvinceMonthFigures.extend({
  reportingStatus: ReportingStatus,
  /** The status's Chinese name (REPORTING_STATUS_LABELS), so readers of the signed file need no table. */
  reportingStatusLabel: Text(40),
});
export type ProvinceMonthReport = z.infer<typeof ProvinceMonthReport>;

const monthReportFields = {
  month: ReportMonth,
  timeZone: Text(64),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  /** The month has not ended yet: the figures are as of `generatedAt`. */
  partial: z.boolean(),
  generatedAt: z.iso.datetime(),
  latencyTargetHours: z.number(),
  /** Whether the exchange interface's figures are part of this report. */
  exchangeIncluded: z.boolean(),
};

/**
 * The monthly report as the hub makes it now: each province with its reporting status. A new
 * field is a new format version (signed formats name every field of their version).
 */
export const CurrentMonthReport = z.strictObject({
  format: z.literal("roadcert-monthly-report/2"),
  ...monthReportFields,
  provinces: z.array(ProvinceMonthReport).max(MAX_PROVINCES),
});
export type CurrentMonthReport = z.infer<typeof CurrentMonthReport>;

/** The first format, as reports published before the reporting status were signed: they still verify. */
export const MonthReportV1 = z.strictObject({
  format: z.literal("roadcert-monthly-report/1"),
  ...monthReportFields,
  provinces: z.array(ProvinceMonthFigures).max(MAX_PROVINCES),
});
export type MonthReportV1 = z.infer<typeof MonthReportV1>;

/** A monthly report of any format the hub has signed (what a verifier reads). */
export const MonthReport = z.discriminatedUnion("format", [CurrentMonthReport, MonthReportV1]);
export type MonthReport = z.infer<typeof MonthReport>;

/** A published report: the exact signed bytes, the hub's Ed25519 signature, and the key that made it. */
export const PublishedReport = z.strictObject({
  format: z.literal("roadcert-signed/1"),
  signer: z.strictObject({ keyId: Text(64), alg: z.literal("ed25519"), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  /** base64url of the canonical JSON of the MonthReport: these bytes are what the signature covers. */
  payload: z.string().regex(/^[A-Za-z0-9_-]*$/).max(2_000_000),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type PublishedReport = z.infer<typeof PublishedReport>;

export const PublishedReportSummary = z.object({
  month: ReportMonth,
  publishedAt: z.iso.datetime(),
  publishedBy: Text(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type PublishedReportSummary = z.infer<typeof PublishedReportSummary>;

export const DashboardProvince = z.object({
  provinceCode: Text(6),
  provinceName: Text(),
  status: z.enum(["active", "suspended"]),
  /** The last batch the province published, and what became of its records. */
  lastPublishedAt: z.iso.datetime().nullable(),
  lastBatch: z
    .object({ batchId: Text(), records: z.int(), accepted: z.int(), rejected: z.int() })
    .nullable(),
  /**
   * Records received and rejected in the last 24 hours, counted as the monthly report counts them:
   * a rejected record re-sent unchanged once, the conformance kit's test records not at all.
   */
  records24h: z.int(),
  rejected24h: z.int(),
  /** Signed messages from the province in the last hour, and those refused or failed. */
  messages1h: z.int(),
  failedMessages1h: z.int(),
  /** How old the newest records were on arrival (median over the last hour), a sign of a queue at the province. */
  arrivalLagSeconds: z.number().nullable(),
  /** Exchange messages waiting at the hub for the province: undelivered or unacknowledged. */
  exchangeBacklog: z.int().nullable(),
  exchangeOverdue: z.int().nullable(),
  /** Records per hour over the last 24 hours (oldest first). */
  hourly: z.array(z.int()).max(48),
});
export type DashboardProvince = z.infer<typeof DashboardProvince>;

export const Dashboard = z.object({
  generatedAt: z.iso.datetime(),
  timeZone: Text(64),
  /** Start of each hour of `hourly` (ISO instants, oldest first). */
  hours: z.array(z.iso.datetime()).max(48),
  provinces: z.array(DashboardProvince).max(MAX_PROVINCES),
});
export type Dashboard = z.infer<typeof Dashboard>;
