import { Decimal128, type Document } from "bson";
import { unsupported } from "./errors.js";
import { isPlainObject, pathValues, type Doc } from "./storage/values.js";

/**
 * Per-document checks for filters the engine (mingo) would answer wrongly without a word, run
 * before each document is tested. Two cases, both seen to differ from MongoDB:
 *
 * - A dotted path whose field part meets an array of arrays (`{"a.b": 1}` over `{a: [[1]]}`):
 *   MongoDB looks into one level of array only, so the path finds nothing there, while the engine
 *   hands back the inner array and matches on its elements (and then also misses `{"a.b": null}`).
 * - A number compared with a Decimal128 (`{a: 1}` over `{a: Decimal128("1")}`, or the other way
 *   round): MongoDB compares numerically and matches; the engine compares by type and does not.
 *
 * Only documents that actually hold such data are refused, so filters over ordinary documents
 * cost one path walk per checked path.
 */
export function filterGuard(filter: Document): ((doc: Doc) => void) | null {
  const checks: { path: string; parts: string[] | null; kinds: NumericKinds }[] = [];
  for (const [path, condition] of fieldConditions(filter)) {
    const parts = path.includes(".") ? path.split(".") : null;
    const kinds = numericKinds(condition);
    if (parts || kinds.number || kinds.decimal) checks.push({ path, parts, kinds });
  }
  if (checks.length === 0) return null;
  return (doc) => {
    for (const check of checks) {
      if (check.parts && crossesNestedArray(doc, check.parts, 0))
        throw unsupported(`a dotted path through an array of arrays ('${check.path}'; MongoDB looks into one array level only)`);
      if (holdsOtherNumberKind(doc, check.path, check.kinds))
        throw unsupported(`comparing numbers with Decimal128 values ('${check.path}')`);
    }
  };
}

/** The field conditions of a filter, through `$and`/`$or`/`$nor` (not into `$elemMatch`, whose paths are relative). */
function fieldConditions(filter: Document): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (Array.isArray(value)) for (const part of value as unknown[]) if (isPlainObject(part)) out.push(...fieldConditions(part));
    } else if (!key.startsWith("$")) out.push([key, value]);
  }
  return out;
}

interface NumericKinds {
  number: boolean;
  decimal: boolean;
}

/** Operators whose numeric argument is a count, a type code or a bit mask, not a value compared with the field. */
const NON_VALUE_OPERATORS = new Set(["$size", "$type", "$exists", "$bitsAllSet", "$bitsAnySet", "$bitsAllClear", "$bitsAnyClear"]);

/** Whether a condition compares the field with a plain number or with a Decimal128 anywhere inside it. */
function numericKinds(condition: unknown): NumericKinds {
  if (typeof condition === "number") return { number: true, decimal: false };
  if (condition instanceof Decimal128) return { number: false, decimal: true };
  const kinds = { number: false, decimal: false };
  const parts: unknown[] = Array.isArray(condition)
    ? condition
    : isPlainObject(condition)
      ? Object.entries(condition)
          .filter(([key]) => !NON_VALUE_OPERATORS.has(key))
          .map(([, value]) => value)
      : [];
  for (const part of parts) {
    const inner = numericKinds(part);
    kinds.number ||= inner.number;
    kinds.decimal ||= inner.decimal;
  }
  return kinds;
}

function holdsOtherNumberKind(doc: Doc, path: string, filterKinds: NumericKinds): boolean {
  if (!filterKinds.number && !filterKinds.decimal) return false;
  for (const value of pathValues(doc, path)) {
    if (filterKinds.number && value instanceof Decimal128) return true;
    if (filterKinds.decimal && typeof value === "number") return true;
  }
  return false;
}

/** True when walking `parts` by MongoDB's rules reaches a field name while standing on an array of arrays. */
function crossesNestedArray(value: unknown, parts: string[], i: number): boolean {
  if (i === parts.length) return false;
  const part = parts[i] ?? "";
  if (Array.isArray(value)) {
    // A numeric part indexes the array itself; an array element then is a value like any other.
    const index = /^\d+$/.test(part);
    if (index && crossesNestedArray(value[Number(part)], parts, i + 1)) return true;
    for (const item of value as unknown[]) {
      if (Array.isArray(item)) {
        if (index) continue;
        return true;
      }
      if (isPlainObject(item) && crossesNestedArray(item[part], parts, i + 1)) return true;
    }
    return false;
  }
  if (!isPlainObject(value)) return false;
  return crossesNestedArray(value[part], parts, i + 1);
}
