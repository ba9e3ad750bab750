import { Decimal128, type Document } from "bson";
import { unsupported } from "./errors.js";
import { noDigitNamedFields } from "./storage/array-facts.js";
import { isPlainObject, type Doc } from "./storage/values.js";

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
 * Only documents that actually hold such data are refused; filters over ordinary documents cost
 * one walk of each checked path, which allocates nothing.
 */
export function filterGuard(filter: Document): ((doc: Doc) => void) | null {
  // Everything about the filter is worked out here, once: per document only the walks are left,
  // and they allocate nothing and stop at the first value that decides.
  const checks: {
    path: string;
    parts: string[];
    indexes: boolean[];
    nested: boolean;
    otherKind: ((value: unknown) => boolean) | null;
  }[] = [];
  for (const [path, condition] of fieldConditions(filter)) {
    const parts = path.split(".");
    const otherKind = otherNumberKind(numericKinds(condition));
    const indexes = parts.map((part) => /^\d+$/.test(part));
    if (parts.length > 1 || otherKind) checks.push({ path, parts, indexes, nested: parts.length > 1, otherKind });
  }
  if (checks.length === 0) return null;
  return (doc) => {
    for (const check of checks) {
      if (check.nested && crossesNestedArray(doc, check.parts, check.indexes, 0))
        throw unsupported(`a dotted path through an array of arrays ('${check.path}'; MongoDB looks into one array level only)`);
      if (check.otherKind && someValueAt(doc, check.parts, 0, check.otherKind))
        throw unsupported(`comparing numbers with Decimal128 values ('${check.path}')`);
    }
  };
}

/** The field conditions of a filter, through `$and`/`$or`/`$nor` (not into `$elemMatch`, whose paths are relative). */
function fieldConditions(filter: Document, out: [string, unknown][] = []): [string, unknown][] {
  for (const key in filter) {
    if (!Object.prototype.hasOwnProperty.call(filter, key)) continue;
    const value: unknown = filter[key];
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (Array.isArray(value)) for (const part of value as unknown[]) if (isPlainObject(part)) fieldConditions(part, out);
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
  if (typeof condition === "number") return NUMBER;
  if (condition instanceof Decimal128) return DECIMAL;
  // Strings, dates, null… (most of a save's filter) hold neither; no walk, no temporaries.
  if (condition === null || typeof condition !== "object") return NEITHER;
  let number = false;
  let decimal = false;
  if (Array.isArray(condition)) {
    for (const part of condition as unknown[]) {
      const inner = numericKinds(part);
      number ||= inner.number;
      decimal ||= inner.decimal;
    }
  } else if (isPlainObject(condition)) {
    for (const key in condition) {
      if (!Object.prototype.hasOwnProperty.call(condition, key) || NON_VALUE_OPERATORS.has(key)) continue;
      const inner = numericKinds(condition[key]);
      number ||= inner.number;
      decimal ||= inner.decimal;
    }
  } else return NEITHER;
  return number ? (decimal ? BOTH : NUMBER) : decimal ? DECIMAL : NEITHER;
}

const NUMBER: NumericKinds = Object.freeze({ number: true, decimal: false });
const DECIMAL: NumericKinds = Object.freeze({ number: false, decimal: true });
const NEITHER: NumericKinds = Object.freeze({ number: false, decimal: false });
const BOTH: NumericKinds = Object.freeze({ number: true, decimal: true });

/** What a stored value must be to meet the filter's numbers with the other kind, or null when it has none. */
function otherNumberKind(kinds: NumericKinds): ((value: unknown) => boolean) | null {
  if (kinds.number && kinds.decimal) return (value) => value instanceof Decimal128 || typeof value === "number";
  if (kinds.number) return (value) => value instanceof Decimal128;
  if (kinds.decimal) return (value) => typeof value === "number";
  return null;
}

/**
 * Whether any value `pathValues` would list at `parts` meets `test` (the same walk: an array
 * midway is entered element by element unless the part is an index, an array at the end gives its
 * elements), without building the list.
 */
function someValueAt(value: unknown, parts: string[], i: number, test: (value: unknown) => boolean): boolean {
  if (i === parts.length) return Array.isArray(value) ? (value as unknown[]).some(test) : test(value);
  if (Array.isArray(value)) {
    const part = parts[i] ?? "";
    if (/^\d+$/.test(part)) return someValueAt(value[Number(part)], parts, i + 1, test);
    return (value as unknown[]).some((item) => someValueAt(item, parts, i, test));
  }
  if (value === null || typeof value !== "object") return false;
  return someValueAt((value as Record<string, unknown>)[parts[i] ?? ""], parts, i + 1, test);
}

/**
 * True when walking `parts` by MongoDB's rules reaches a field name while standing on an array of
 * arrays. `indexes[i]` says whether `parts[i]` is all digits (worked out once per filter). Every
 * save's filter names `answers.N.seq`, so this walk visits each of an attempt's hundred answers
 * per save: it looks only at element values that are objects, since a missing field or a scalar
 * can hold no array (the walk was a tenth of the stand-in's update time, issue 17).
 */
export function crossesNestedArray(value: unknown, parts: string[], indexes: boolean[], i: number): boolean {
  if (i === parts.length || value === null || typeof value !== "object") return false;
  const part = parts[i] ?? "";
  if (Array.isArray(value)) {
    // A numeric part indexes the array itself; an array element then is a value like any other.
    const index = indexes[i] === true;
    if (index && crossesNestedArray(value[Number(part)], parts, indexes, i + 1)) return true;
    // Then only an element's field named `part` could lead on, and none has one (array-facts.ts).
    if (index && noDigitNamedFields(value as unknown[])) return false;
    const key = index ? elementKey(part) : part;
    for (const item of value as unknown[]) {
      if (item === null || typeof item !== "object") continue;
      if (Array.isArray(item)) {
        if (index) continue;
        return true;
      }
      const next = (item as Record<string | number, unknown>)[key];
      if (next === null || typeof next !== "object") continue;
      if (isPlainObject(item) && crossesNestedArray(next, parts, indexes, i + 1)) return true;
    }
    return false;
  }
  if (!isPlainObject(value)) return false;
  return crossesNestedArray(value[part], parts, indexes, i + 1);
}

/**
 * The key that reads an element's field named `part` (all digits): the number itself when it
 * names the same property ("31", not "031"). An object's field "31" is the same property either
 * way, but reading it by a string key took V8's slow path: twice the time of a save's two walks
 * of its attempt's hundred answers (the guard's here, the range's in engine.ts).
 */
export function elementKey(part: string): string | number {
  const n = Number(part);
  return String(n) === part ? n : part;
}
