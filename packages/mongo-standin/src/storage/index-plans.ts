import type { Document } from "bson";
import type { Index } from "../indexes.js";
import { dateOfKey, valueKey } from "./values.js";

/**
 * How a filter is read from an index: the keys of its first `depth` fields, and, when the filter
 * bounds the next field by dates, only those of their extensions whose date can be in the range
 * (MongoDB's index bounds on a compound index: equality on the prefix, a range after it).
 */
export interface IndexPlan {
  index: Index;
  keys: string[];
  depth: number;
  range?: DateRange;
}

/** Bounds on a date: each operator's operand in epoch ms. */
type DateRange = Array<{ op: "$lt" | "$lte" | "$gt" | "$gte"; ms: number }>;

const RANGE_OPS = new Set(["$lt", "$lte", "$gt", "$gte"]);

/**
 * The bounds of a condition made only of `$lt`/`$lte`/`$gt`/`$gte` on valid dates (the
 * sweeper's `deadline: {$lt: …}`); null for anything else, which the index does not narrow.
 */
function dateRange(condition: unknown): DateRange | null {
  if (
    condition === null ||
    typeof condition !== "object" ||
    Object.getPrototypeOf(condition) !== Object.prototype
  )
    return null;
  const entries = Object.entries(condition as Record<string, unknown>);
  if (entries.length === 0) return null;
  const range: DateRange = [];
  for (const [op, operand] of entries) {
    if (!RANGE_OPS.has(op) || !(operand instanceof Date) || !Number.isFinite(operand.getTime())) return null;
    range.push({ op: op as DateRange[number]["op"], ms: operand.getTime() });
  }
  return range;
}

/**
 * Whether a document holding this encoded value of the ranged field may match: false only for a
 * date outside the bounds. Any other kind of value is kept for the filter to decide, so the
 * candidates stay a superset whatever the matcher makes of mixed types.
 */
export function mayBeInRange(encoded: string, range: DateRange): boolean {
  const ms = dateOfKey(encoded);
  if (ms === null) return true;
  return range.every(({ op, ms: bound }) =>
    op === "$lt" ? ms < bound : op === "$lte" ? ms <= bound : op === "$gt" ? ms > bound : ms >= bound,
  );
}

/**
 * The index an equality filter is answered from, how many of its leading fields the filter
 * pins, the keys to look up, and a date range on the next field when the filter has one (null:
 * a scan). An index with every field pinned wins, then the one with the most pinned leading
 * fields (a range on the next one counting as half a field more), then the first created.
 */
export function planFor(indexes: readonly Index[], filter: Document): IndexPlan | null {
  let best: IndexPlan | null = null;
  let bestScore = 0;
  for (const index of indexes) {
    if (index.spec.sparse || index.spec.partialFilterExpression) continue;
    const perField: unknown[][] = [];
    for (const field of index.fields) {
      const values = equalityValues(filter[field]);
      if (!values) break;
      perField.push(values);
    }
    if (perField.length === 0) continue;
    const next = index.fields[perField.length];
    const range = next === undefined ? null : dateRange(filter[next]);
    const score = perField.length * 2 + (range ? 1 : 0);
    if (best && bestScore >= score) continue;
    let keys: string[] = [""];
    perField.forEach((values, i) => {
      keys = keys.flatMap((prefix) =>
        values.map((value) => (i === 0 ? "" : prefix + "\u0000") + valueKey(value)),
      );
    });
    best = range ? { index, keys, depth: perField.length, range } : { index, keys, depth: perField.length };
    bestScore = score;
    if (perField.length === index.fields.length) return best;
  }
  return best;
}

/** Scalars an index can look up by equality; arrays and sub-documents need a scan. */
export function isIndexable(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (value instanceof Date) return true;
  return typeof value === "object" && (value as { _bsontype?: string })._bsontype === "ObjectId";
}

function equalityValues(condition: unknown): unknown[] | null {
  if (condition === undefined) return null;
  if (
    condition !== null &&
    typeof condition === "object" &&
    !Array.isArray(condition) &&
    Object.getPrototypeOf(condition) === Object.prototype
  ) {
    const ops = condition as Record<string, unknown>;
    const keys = Object.keys(ops);
    if (keys.length !== 1) return null;
    if (keys[0] === "$eq" && isIndexable(ops.$eq)) return [ops.$eq];
    if (keys[0] === "$in" && Array.isArray(ops.$in) && (ops.$in as unknown[]).every(isIndexable))
      return ops.$in as unknown[];
    return null;
  }
  return isIndexable(condition) ? [condition] : null;
}
