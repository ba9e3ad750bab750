import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { unsupported } from "./errors.js";
import { noDigitNamedFields } from "./storage/array-facts.js";
import { EMPTY_ARRAY_KEY, exactDouble, isPlainObject } from "./storage/values.js";

/**
 * MongoDB's total order over BSON values ("Comparison/Sort Order" in the manual): first by type
 * bracket, then within the bracket. Used for sorts, `$min`/`$max`, `$push`'s `$sort` and the range
 * query operators, where the engine's own order differs (it orders Binary by bytes alone, for one).
 */
export function typeBracket(value: unknown): number {
  // The kinds most compared (a save's ranges: seqs and deadlines) first; neither is any other.
  if (typeof value === "number") return 3;
  if (value instanceof Date) return 10;
  if (value === undefined) return 2;
  // An empty array's key (`undefined` on the server) sorts after MinKey and before null.
  if (value === EMPTY_ARRAY_KEY) return 1.5;
  if (value === null) return 2;
  // Before Long: bson's Timestamp is a subclass of Long, and a timestamp is no number.
  if (value instanceof Timestamp) return 11;
  if (value instanceof Int32 || value instanceof Double) return 3;
  if (value instanceof Long || value instanceof Decimal128) return 3;
  if (typeof value === "string") return 4;
  if (Array.isArray(value)) return 6;
  if (isPlainObject(value)) return 5;
  if (value instanceof Binary) return 7;
  if (value instanceof ObjectId) return 8;
  if (typeof value === "boolean") return 9;
  if (value instanceof RegExp) return 12;
  const tag = (value as { _bsontype?: string })._bsontype;
  if (tag === "MinKey") return 1;
  if (tag === "MaxKey") return 14;
  if (tag === "BSONRegExp") return 12;
  // JavaScript code, then code with scope: two types of their own (the server's canonical types).
  if (tag === "Code") return (value as { scope?: unknown }).scope ? 13.5 : 13;
  return 5;
}

function asNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) {
    // Compared exactly where a double holds the decimal; any other would be compared wrongly.
    const exact = exactDouble(value.toString());
    if (exact === null)
      throw unsupported(`comparing the Decimal128 ${value.toString()}, which no double holds exactly`);
    return exact;
  }
  return Number((value as { valueOf(): unknown }).valueOf());
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two BSON values in MongoDB's order: negative, zero or positive. */
export function compareBson(a: unknown, b: unknown): number {
  const bracket = typeBracket(a) - typeBracket(b);
  if (bracket !== 0) return sign(bracket);
  if (a === null || a === undefined || b === null || b === undefined) return 0;
  switch (typeBracket(a)) {
    case 3: {
      const x = asNumber(a);
      const y = asNumber(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
      return sign(x - y);
    }
    case 4:
      return sign(Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)));
    case 5:
      return compareEntries(Object.entries(a as object), Object.entries(b as object));
    case 6:
      return compareEntries(
        (a as unknown[]).map((v, i) => [String(i), v]),
        (b as unknown[]).map((v, i) => [String(i), v]),
      );
    case 7: {
      // Binary: by length, then by subtype, then byte by byte.
      const x = a as Binary;
      const y = b as Binary;
      if (x.length() !== y.length()) return sign(x.length() - y.length());
      if (x.sub_type !== y.sub_type) return sign(x.sub_type - y.sub_type);
      return sign(Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer)));
    }
    case 8:
      return sign(Buffer.compare(Buffer.from((a as ObjectId).id), Buffer.from((b as ObjectId).id)));
    case 9:
      return sign(Number(a) - Number(b));
    case 10:
      return sign((a as Date).getTime() - (b as Date).getTime());
    case 11: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t !== y.t ? sign(x.t - y.t) : sign(x.i - y.i);
    }
    case 12: {
      const [sa, fa] = regexParts(a);
      const [sb, fb] = regexParts(b);
      return sa !== sb ? (sa < sb ? -1 : 1) : fa === fb ? 0 : fa < fb ? -1 : 1;
    }
    case 13:
    case 13.5:
      return compareCode(a as CodeValue, b as CodeValue);
    default:
      return 0;
  }
}

/** `directOrder`: the general comparison must decide. */
export const NOT_DIRECT = 2;
/** `directOrder`: the path reaches no value (a null or scalar on the way), so nothing can match. */
export const NOTHING = 3;

/**
 * The order of the one value `parts` reaches against `operand` (-1, 0 or 1), when both are
 * numbers or both dates and the path runs through plain objects only (or, in a stored document,
 * by index through an array no element of which has a digit-named field, which `comparable`
 * reads at that index alone): what `comparable` would give as its only value and `compareBson`
 * would answer for it, without building either (a save's filter has three such ranges per
 * statement, issue 17); a NaN difference (∞ − ∞, an invalid date) gives 0, as in `compareBson`.
 * `NOTHING` when the path ends at a null or a scalar before its last part (no value);
 * `NOT_DIRECT` for anything else: any other array on the way or one at the end, another object,
 * NaN on either side, a missing field, other types.
 */
export function directOrder(parts: string[], operand: unknown, doc: unknown, stored: boolean): number {
  const isNumber = typeof operand === "number";
  if (!(isNumber && !Number.isNaN(operand)) && !(operand instanceof Date)) return NOT_DIRECT;
  let value = doc;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as string;
    if (value === null || typeof value !== "object") return NOTHING;
    if (Array.isArray(value)) {
      if (!stored || i + 1 === parts.length || !DIGITS.test(part) || !noDigitNamedFields(value))
        return NOT_DIRECT;
      value = (value as unknown[])[Number(part)];
      continue;
    }
    if (!isPlainObject(value)) return NOT_DIRECT;
    value = value[part];
  }
  if (isNumber) {
    if (typeof value !== "number" || Number.isNaN(value)) return NOT_DIRECT;
    return sign(value - operand);
  }
  if (!(value instanceof Date)) return NOT_DIRECT;
  return sign(value.getTime() - (operand as Date).getTime());
}

/** A path part `comparable` reads as an array index. */
const DIGITS = /^\d+$/;

interface CodeValue {
  code: string;
  scope?: Record<string, unknown> | null;
}

/**
 * JavaScript code values: 0 for the same code and scope. The manual's sort order does not say
 * how two different ones order, so ordering them (a sort, a range, `$min`) is refused.
 */
function compareCode(a: CodeValue, b: CodeValue): number {
  if (sameCode(a, b)) return 0;
  throw unsupported("ordering different JavaScript code values (the manual gives no order for them)");
}

function sameCode(a: CodeValue, b: CodeValue): boolean {
  if (a.code !== b.code) return false;
  if (!a.scope || !b.scope) return !a.scope && !b.scope;
  return sameEntries(Object.entries(a.scope), Object.entries(b.scope));
}

/** Documents (or arrays) equal field by field, by name and by `bsonEquals`, without ordering. */
function sameEntries(x: Array<[string, unknown]>, y: Array<[string, unknown]>): boolean {
  return (
    x.length === y.length &&
    x.every(([key, value], i) => {
      const [otherKey, other] = y[i] as [string, unknown];
      return key === otherKey && bsonEquals(value, other);
    })
  );
}

function regexParts(value: unknown): [string, string] {
  if (value instanceof RegExp) return [value.source, value.flags];
  const re = value as { pattern: string; options: string };
  return [re.pattern, re.options];
}

/** Documents compare element by element: type bracket, then field name, then value. */
function compareEntries(x: Array<[string, unknown]>, y: Array<[string, unknown]>): number {
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const [ka, va] = x[i] as [string, unknown];
    const [kb, vb] = y[i] as [string, unknown];
    const bracket = typeBracket(va) - typeBracket(vb);
    if (bracket !== 0) return sign(bracket);
    if (ka !== kb) return ka < kb ? -1 : 1;
    const value = compareBson(va, vb);
    if (value !== 0) return value;
  }
  return sign(x.length - y.length);
}

/** MongoDB equality: numbers by value across types, everything else by type and content. */
export function bsonEquals(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) !== (b === null || b === undefined)) return false;
  const bracket = typeBracket(a);
  if (bracket !== typeBracket(b)) return false;
  // Code is only ever equal or not: its order is refused (compareCode), its equality is not.
  if (bracket === 13 || bracket === 13.5) return sameCode(a as CodeValue, b as CodeValue);
  if (bracket === 5) return sameEntries(Object.entries(a as object), Object.entries(b as object));
  if (bracket === 6)
    return sameEntries(
      (a as unknown[]).map((v, i) => [String(i), v]),
      (b as unknown[]).map((v, i) => [String(i), v]),
    );
  return compareBson(a, b) === 0;
}

/**
 * The value a document sorts by on one field: an array sorts by its smallest element ascending
 * and its largest descending; a missing field sorts as null; an empty array (`EMPTY_ARRAY_KEY`,
 * as the caller's `pathValues` gives it) before null.
 */
export function sortValue(values: unknown[], direction: 1 | -1): unknown {
  let best: unknown;
  let first = true;
  for (const value of values) {
    if (first || compareBson(value, best) * direction < 0) best = value;
    first = false;
  }
  return best;
}
