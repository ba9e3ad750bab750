/**
 * The pure arithmetic of the monthly report: percentiles, the completeness elements and the
 * data-quality score. The formula is written down in the README (数据质量评分); keep both in step.
 */

/** The nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * The median as the nearest-rank 50th percentile (the lower middle value of an even count), so
 * every time in the report — collection latency and the exchange's answer times — is one kind of
 * figure: a value that really occurred.
 */
export function median(values: readonly number[]): number | null {
  return percentile(values, 50);
}

/** A record as the completeness check sees it (the raw published record; any shape). */
type RawRecord = Record<string, unknown>;

export interface CompletenessElementDef {
  key: string;
  label: string;
  appliesTo(record: RawRecord): boolean;
  present(record: RawRecord): boolean;
}

const field = (record: RawRecord, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as RawRecord)[k] : undefined), record);
const filled = (v: unknown) => v !== undefined && v !== null && !(typeof v === "string" && v.trim() === "");
const isType = (type: string) => (r: RawRecord) => r.recordType === type;

/**
 * The data elements whose presence the report measures on accepted records. The collection
 * contract makes few elements optional, so the list names what a record may carry more or less
 * precisely: an examining or issuing division named down to the city or county instead of only
 * the province, the exam's event-chain hash, and a certificate's first-issue date distinct from a
 * re-issue. Adding an element here adds it to every report computed afterwards.
 */
export const COMPLETENESS_ELEMENTS: readonly CompletenessElementDef[] = [
  {
    key: "division_below_province",
    label: "考试/发证机构精确到市县",
    appliesTo: () => true,
    present: (r) => typeof r.issuingDivision === "string" && /^\d{6}$/.test(r.issuingDivision) && !r.issuingDivision.endsWith("0000"),
  },
  {
    key: "exam_chain_hash",
    label: "考试过程哈希",
    appliesTo: isType("exam_pass"),
    present: (r) => filled(field(r, "exam.chainHash")),
  },
  {
    key: "certificate_issuing_authority",
    label: "发证机关名称",
    appliesTo: isType("certificate"),
    present: (r) => filled(field(r, "certificate.issuingAuthority")),
  },
  {
    key: "certificate_valid_to",
    label: "证件有效期止",
    appliesTo: isType("certificate"),
    present: (r) => filled(field(r, "certificate.validTo")),
  },
];

/** Which elements a record carries: key → present, for the elements that apply to it. */
export function completenessOf(record: unknown): Record<string, boolean> {
  if (!record || typeof record !== "object") return {};
  const r = record as RawRecord;
  const out: Record<string, boolean> = {};
  for (const e of COMPLETENESS_ELEMENTS) if (e.appliesTo(r)) out[e.key] = e.present(r);
  return out;
}

export const SCORE_WEIGHTS = {
  acceptance: { weight: 0.4, label: "接收合格率" },
  timeliness: { weight: 0.3, label: "上报及时率" },
  completeness: { weight: 0.2, label: "数据完整率" },
  responsiveness: { weight: 0.1, label: "协同响应率" },
} as const;
export type ScoreKey = keyof typeof SCORE_WEIGHTS;

/**
 * The data-quality score (0–100, one decimal): the weighted mean of the components that have
 * something to measure; a component with nothing to measure (null) gives its weight to the others
 * in proportion. No component at all → null ("无数据"), never a made-up 100.
 */
export function qualityScore(values: Record<ScoreKey, number | null>): number | null {
  let weighted = 0;
  let weights = 0;
  for (const key of Object.keys(SCORE_WEIGHTS) as ScoreKey[]) {
    const v = values[key];
    if (v === null) continue;
    weighted += SCORE_WEIGHTS[key].weight * v;
    weights += SCORE_WEIGHTS[key].weight;
  }
  if (weights === 0) return null;
  return Math.round((1000 * weighted) / weights) / 10;
}

/** `a / b`, or null when there is nothing to divide. */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
