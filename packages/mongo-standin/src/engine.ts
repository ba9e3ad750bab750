import type { Document } from "bson";
import { Aggregator } from "mingo/aggregator";
import { Context } from "mingo/core";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import * as pipelineOperators from "mingo/operators/pipeline";
import * as projectionOperators from "mingo/operators/projection";
import * as queryOperators from "mingo/operators/query";
import * as windowOperators from "mingo/operators/window";
import { Query } from "mingo/query";
import type { CollectionResolver } from "mingo/types";
import { resolve } from "mingo/util";
import { compareBson, typeBracket } from "./bson-order.js";
import { EXPRESSION_COMPARISONS } from "./expression-compare.js";
import { elementKey } from "./filter-guards.js";
import { NULL_AWARE_EQUALITY } from "./null-equality.js";
import { noDigitNamedFields } from "./storage/array-facts.js";
import { isPlainObject } from "./storage/values.js";

/** BSON type numbers of the `$type` query operator, by their string aliases. */
const TYPE_ALIASES: Record<number, string> = {
  1: "double",
  2: "string",
  3: "object",
  4: "array",
  5: "binData",
  6: "undefined",
  7: "objectId",
  8: "bool",
  9: "date",
  10: "null",
  11: "regex",
  13: "javascript",
  16: "int",
  17: "timestamp",
  18: "long",
  19: "decimal",
  [-1]: "minKey",
  127: "maxKey",
};

function bsonType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number")
    return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? "int" : "double";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regex";
  if (isPlainObject(value)) return "object";
  const tag = (value as { _bsontype?: string })._bsontype;
  const byTag: Record<string, string> = {
    ObjectId: "objectId",
    Binary: "binData",
    Long: "long",
    Int32: "int",
    Double: "double",
    Decimal128: "decimal",
    Timestamp: "timestamp",
    BSONRegExp: "regex",
    Code: "javascript",
    MinKey: "minKey",
    MaxKey: "maxKey",
  };
  return (tag && byTag[tag]) ?? "object";
}

function typeMatches(value: unknown, wanted: unknown): boolean {
  const name = typeof wanted === "number" ? TYPE_ALIASES[wanted] : String(wanted);
  const actual = bsonType(value);
  if (name === "number") return ["int", "long", "double", "decimal"].includes(actual);
  return actual === name;
}

/**
 * `$type` with the BSON type names mingo lacks (objectId, binData, timestamp, decimal, ...).
 * An array field matches "array" itself, or any type one of its elements has.
 */
const $type: typeof queryOperators.$type = (selector, wanted) => {
  const types: unknown[] = Array.isArray(wanted) ? (wanted as unknown[]) : [wanted];
  return (doc) => {
    const value: unknown = resolve(doc as Document, selector);
    if (value === undefined) return false;
    return types.some(
      (t) =>
        typeMatches(value, t) ||
        (Array.isArray(value) && (value as unknown[]).some((item) => typeMatches(item, t))),
    );
  };
};

/**
 * `$all` as MongoDB defines it: `{f: {$all: [a, b]}}` is `{$and: [{f: a}, {f: b}]}`, so a scalar
 * field equal to the single value matches (the engine's own `$all` wants an array field).
 */
const $all: typeof queryOperators.$all = (selector, values) => {
  if (!Array.isArray(values)) throw new Error("$all needs an array");
  if (values.length === 0) return () => false;
  const query = newQuery({ $and: (values as unknown[]).map((value) => ({ [selector]: value })) });
  return (doc) => query.test(doc as Document);
};

/**
 * Every value a path reaches for a comparison: terminal arrays both as a whole and element by
 * element, arrays on the way descended (numeric parts index them, and also name a field of each
 * element, as on the server). Collected into one array: a save's filter (`answers.31.seq`) walks
 * the hundred answers for a field "31", and building an array per element and per level there was
 * a fifth of the bytes the stand-in allocated per save (issue 17).
 */
function comparable(
  doc: unknown,
  parts: string[],
  from = 0,
  out: unknown[] = [],
  stored = false,
): unknown[] {
  if (from === parts.length) {
    out.push(doc);
    if (Array.isArray(doc)) for (const item of doc as unknown[]) out.push(item);
    return out;
  }
  const part = parts[from] ?? "";
  if (Array.isArray(doc)) {
    const index = /^\d+$/.test(part);
    if (index) comparable((doc as unknown[])[Number(part)], parts, from + 1, out, stored);
    // Where no element has a field named `part`, the elements add nothing unless the path ends
    // here (each then adds `undefined`). Known only of arrays never changed in place (array-facts.ts):
    // a stored document's, not the engine's copies in a pipeline, which its stages may change.
    if (index && stored && from + 1 < parts.length && noDigitNamedFields(doc as unknown[])) return out;
    // A field named like an index is read by number (the same property; see filter-guards.ts).
    const key = index ? elementKey(part) : part;
    for (const item of doc as unknown[]) {
      if (!isPlainObject(item)) continue;
      const inner = (item as Record<string | number, unknown>)[key];
      // An element without that field adds nothing unless the path ends here (then it adds
      // `undefined`, which `$gte: null` counts as missing): skip it rather than descend.
      if (inner !== undefined || from + 1 === parts.length) comparable(inner, parts, from + 1, out, stored);
    }
    return out;
  }
  if (doc === null || typeof doc !== "object") return out;
  return comparable((doc as Record<string, unknown>)[part], parts, from + 1, out, stored);
}

/**
 * The range operators in MongoDB's order: only values of the operand's type bracket compare
 * (a number never matches `$gt: "a"`), Binary by length, subtype, then bytes.
 */
function rangeOperator(test: (order: number) => boolean): typeof queryOperators.$gt {
  return (selector, operand) => {
    const parts = selector.split(".");
    if ((operand === null || operand === undefined) && !test(0)) return () => false;
    return (doc) => rangeHolds(test, parts, operand, doc);
  };
}

/** One range condition on one document: `parts` is the field's path split at its dots. */
function rangeHolds(
  test: (order: number) => boolean,
  parts: string[],
  operand: unknown,
  doc: unknown,
  stored = false,
): boolean {
  // `{f: {$gte: null}}` matches null and missing fields; `$gt`/`$lt` null match nothing.
  if (operand === null || operand === undefined) {
    if (!test(0)) return false;
    const values = comparable(doc, parts, 0, [], stored);
    return values.length === 0 || values.some((value) => value === null || value === undefined);
  }
  const bracket = typeBracket(operand);
  return comparable(doc, parts, 0, [], stored).some(
    (value) => value !== undefined && typeBracket(value) === bracket && test(compareBson(value, operand)),
  );
}

/**
 * `$mod` and `$size` refuse malformed arguments with BadValue as the server does, where the
 * engine would silently match nothing.
 */
const $mod: typeof queryOperators.$mod = (selector, value, options) => {
  const args = value as unknown[];
  if (!Array.isArray(args) || args.length < 2) throw new Error("malformed mod, not enough elements");
  if (args.length > 2) throw new Error("malformed mod, too many elements");
  if (!args.every((n) => typeof n === "number" && Number.isFinite(n)))
    throw new Error("malformed mod, divisor and remainder must be numbers");
  if (Math.trunc(args[0] as number) === 0) throw new Error("divisor cannot be 0");
  return queryOperators.$mod(
    selector,
    args.map((n) => Math.trunc(n as number)),
    options,
  );
};

const $size: typeof queryOperators.$size = (selector, value, options) => {
  if (typeof value !== "number")
    throw new Error(`Failed to parse $size. Expected a number in: $size: ${JSON.stringify(value)}`);
  if (!Number.isInteger(value))
    throw new Error(`Failed to parse $size. Expected an integer in: $size: ${value}`);
  if (value < 0) throw new Error(`Failed to parse $size. Expected a non-negative number in: $size: ${value}`);
  return queryOperators.$size(selector, value, options);
};

/** The stand-in's range operators, by name. */
export type RangeOperator = "$gt" | "$gte" | "$lt" | "$lte";
const ORDER_TESTS: Record<RangeOperator, (order: number) => boolean> = {
  $gt: (order) => order > 0,
  $gte: (order) => order >= 0,
  $lt: (order) => order < 0,
  $lte: (order) => order <= 0,
};
const RANGE_OPERATORS: Record<RangeOperator, ReturnType<typeof rangeOperator>> = {
  $gt: rangeOperator(ORDER_TESTS.$gt),
  $gte: rangeOperator(ORDER_TESTS.$gte),
  $lt: rangeOperator(ORDER_TESTS.$lt),
  $lte: rangeOperator(ORDER_TESTS.$lte),
};

/** `{[field]: {[op]: operand}}` as the engine tests it (the same predicate), without building a query. */
export function rangePredicate(
  op: RangeOperator,
  field: string,
  operand: unknown,
): (doc: Document) => boolean {
  return RANGE_OPERATORS[op](field, operand, {} as never) as (doc: Document) => boolean;
}

/**
 * The same test on one document with the operand given at the call, for a predicate shared by
 * every filter of one shape (fast-filter.ts); `parts` is the field's path split at its dots. Such
 * predicates test stored documents (and wrappers made for one test), never changed in place, so
 * their arrays' facts are used (array-facts.ts).
 */
export function rangeMatches(op: RangeOperator, parts: string[], operand: unknown, doc: Document): boolean {
  return rangeHolds(ORDER_TESTS[op], parts, operand, doc, true);
}

/**
 * The operators the stand-in runs with: all of mingo's, with BSON-aware `$type`, `$all` and ranges,
 * null equality through arrays as the server has it (null-equality.ts), and the comparison
 * expressions in the server's aggregation order (expression-compare.ts).
 */
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: { ...expressionOperators, ...EXPRESSION_COMPARISONS },
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: {
    ...queryOperators,
    $type,
    $all,
    $mod,
    $size,
    ...RANGE_OPERATORS,
    ...NULL_AWARE_EQUALITY,
  },
  window: windowOperators,
});

export function newQuery(filter: Document): Query {
  return new Query(filter, { context: CONTEXT });
}

export function newAggregator(pipeline: Document[], collectionResolver?: CollectionResolver): Aggregator {
  return new Aggregator(pipeline, { context: CONTEXT, collectionResolver });
}
