import { Binary, Long } from "bson";
import type * as queryOperators from "mingo/operators/query";
import { bsonEquals } from "./bson-order.js";
import { comparable } from "./comparable.js";
import { NULL_AWARE_EQUALITY } from "./null-equality.js";
import { plainNumber } from "./numeric-types.js";
import { isRegex, patternTest } from "./pcre.js";
import { isPlainObject } from "./storage/values.js";

type Predicate = (doc: Record<string, unknown>) => boolean;
type Options = Parameters<typeof queryOperators.$eq>[2];

/**
 * Equality by the server's BSON comparison where the engine's own differs: an operand that is a
 * sub-document (the engine ignored field order, so `{a: {y: 2, x: 1}}` matched `{a: {x: 1, y: 2}}`)
 * or an array (`$in: [[1, 2]]` never matched a field equal to `[1, 2]`), and any operand on a path
 * with a numeric part (the engine missed elements' fields named by digits: `{"a.0": 5}` over
 * `{a: [{"0": 5}]}`), and any operand on a dotted path: the engine flattened arrays by as many
 * levels as the path has dots, so `{"a.b": 5}` matched `{a: {b: [[5]]}}`, and its `$in` missed the
 * elements of arrays met through an array (`{"a.b": {$in: [1]}}` over `{a: [{b: [1, 2]}]}`). Such
 * equalities test the values `comparable` reaches (the field as a whole and, where it is an array,
 * its elements; one array level, as the server) with `bsonEquals`. Null keeps its own rules
 * (null-equality.ts), and every other equality is the engine's, as before.
 */
function ownEquality(selector: string, value: unknown): boolean {
  if (value === null || value === undefined || isRegex(value)) return false;
  return (
    Array.isArray(value) ||
    isPlainObject(value) ||
    // The engine compared binary data by its text (every byte past 0x7f read as one replacement
    // character) and ignored its subtype: by length, subtype and bytes here (a UUID is one too).
    value instanceof Binary ||
    selector.includes(".") ||
    hasNumericPart(selector)
  );
}

/** Whether `value` equals some value the path reaches in `doc` (a document root). */
function equalAt(doc: unknown, parts: string[], values: unknown[]): boolean {
  return comparable(doc, parts).some(
    (found) => found !== undefined && values.some((value) => bsonEquals(found, value)),
  );
}

/** The predicate of equality with any of `values` (all `ownEquality` operands) on `selector`. */
function equalityWith(selector: string, values: unknown[], fallback: Predicate): Predicate {
  const parts = selector.split(".");
  // Only a document root is walked here: what `$elemMatch` hands the engine for an array's scalar
  // elements stays the engine's, as in null-equality.ts.
  return (doc) => (isPlainObject(doc) ? equalAt(doc, parts, values) : fallback(doc));
}

/**
 * A stored 64-bit integer (a `Long`: a value `$inc`/`$mul` widened past int32, or one beyond 2^53)
 * equals the number of the same value, as every numeric type does on the server; the engine took
 * it for an object. Numeric operands are also tested, exactly, against the Longs the path reaches,
 * and against the `Double`s a pipeline's earlier stage computed.
 */
function withLongs(selector: string, operands: unknown[], predicate: Predicate): Predicate {
  const numbers = operands.filter(
    (value): value is number => typeof value === "number" && Number.isInteger(value),
  );
  if (numbers.length === 0) return predicate;
  const parts = selector.split(".");
  const wanted = new Set(numbers.map((n) => BigInt(n)));
  const isWanted = (found: unknown): boolean => {
    // Stored numbers are plain: only an object (a Long, or a computed Double) can be wanted here.
    if (typeof found !== "object" || found === null) return false;
    if (found instanceof Long)
      return (found as { _bsontype?: string })._bsontype === "Long" && wanted.has(found.toBigInt());
    // A whole double an expression computed is a `Double` (numeric-types.ts, asDouble).
    const n = plainNumber(found);
    return n !== found && Number.isInteger(n) && wanted.has(BigInt(n as number));
  };
  return (doc) => predicate(doc) || (isPlainObject(doc) && comparable(doc, parts).some(isWanted));
}

const $eq: typeof queryOperators.$eq = (selector, value, options) => {
  const engine = NULL_AWARE_EQUALITY.$eq(selector, value, options);
  return withLongs(
    selector,
    [value],
    ownEquality(selector, value) ? equalityWith(selector, [value], engine) : engine,
  );
};

const $ne: typeof queryOperators.$ne = (selector, value, options) => {
  if (!ownEquality(selector, value) && typeof value !== "number")
    return NULL_AWARE_EQUALITY.$ne(selector, value, options);
  const equal = $eq(selector, value, options);
  return (doc) => !equal(doc);
};

/**
 * `$in` whose list holds operands `ownEquality` takes: those are tested here, and on a dotted path
 * its patterns too (against the values `comparable` reaches, as `$regex` is); the others (null,
 * and on a plain field patterns and scalars) by the engine's `$in` as before.
 */
function inPredicate(selector: string, value: unknown, options: Options): Predicate | null {
  if (!Array.isArray(value)) return null;
  const items = value as unknown[];
  const dotted = selector.includes(".");
  const own = items.filter((item) => ownEquality(selector, item));
  const patterns = dotted ? items.filter((item): item is RegExp => item instanceof RegExp) : [];
  if (own.length === 0 && patterns.length === 0) return null;
  const others = items.filter((item) => !ownEquality(selector, item) && !patterns.includes(item as RegExp));
  const rest = others.length > 0 ? NULL_AWARE_EQUALITY.$in(selector, others, options) : () => false;
  const engine = NULL_AWARE_EQUALITY.$in(selector, items, options);
  const equal = own.length > 0 ? equalityWith(selector, own, engine) : () => false;
  if (patterns.length === 0) return (doc) => equal(doc) || rest(doc);
  const parts = selector.split(".");
  const tests = patterns.map(patternTest);
  const matchesPattern = (found: unknown): boolean => tests.some((test) => test(found));
  // As in `equalityWith`, only a document root is walked here.
  return (doc) =>
    isPlainObject(doc) ? equal(doc) || comparable(doc, parts).some(matchesPattern) || rest(doc) : engine(doc);
}

const $in: typeof queryOperators.$in = (selector, value, options) =>
  withLongs(
    selector,
    Array.isArray(value) ? (value as unknown[]) : [],
    inPredicate(selector, value, options) ?? NULL_AWARE_EQUALITY.$in(selector, value, options),
  );

const $nin: typeof queryOperators.$nin = (selector, value, options) => {
  const numeric = Array.isArray(value) && (value as unknown[]).some((item) => typeof item === "number");
  const within = numeric ? $in(selector, value, options) : inPredicate(selector, value, options);
  return within ? (doc) => !within(doc) : NULL_AWARE_EQUALITY.$nin(selector, value, options);
};

function hasNumericPart(selector: string): boolean {
  return selector.split(".").some((part) => /^\d+$/.test(part));
}

/** The equality query operators: null-aware, and by BSON comparison where the engine's differs. */
export const EQUALITY = { $eq, $ne, $in, $nin };
