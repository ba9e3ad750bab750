import { Long, type Document } from "bson";
import { Aggregator } from "mingo/aggregator";
import { Context, evalExpr, ProcessingMode } from "mingo/core";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import * as pipelineOperators from "mingo/operators/pipeline";
import * as projectionOperators from "mingo/operators/projection";
import * as queryOperators from "mingo/operators/query";
import * as windowOperators from "mingo/operators/window";
import { Query } from "mingo/query";
import type { CollectionResolver } from "mingo/types";
import { resolve } from "mingo/util";
import { ADD_FIELDS_STAGES } from "./add-fields.js";
import { expressionAtCommandTime, filterAtCommandTime, pipelineAtCommandTime } from "./command-time.js";
import { bsonTypeName, parseTypeSet, TYPE_EXPRESSIONS, type TypeSet } from "./bson-types.js";
import { compareBson, directOrder, NOT_DIRECT, NOTHING, typeBracket } from "./bson-order.js";
import { DATE_DIFFERENCE_EXPRESSIONS } from "./date-differences.js";
import { EXPRESSION_COMPARISONS } from "./expression-compare.js";
import { arraysAt, comparable } from "./comparable.js";
import { EQUALITY } from "./equality.js";
import { MISSING_ACCUMULATORS, MISSING_EXPRESSIONS } from "./missing-accumulators.js";
import { NUMERIC_EXPRESSIONS } from "./numeric-expressions.js";
import { numericKind, plainNumber } from "./numeric-types.js";
import { NUMERIC_UNARY_EXPRESSIONS } from "./numeric-unary.js";
import { ORDERED_ACCUMULATORS, ORDERED_EXTREMES_EXPRESSIONS } from "./ordered-accumulators.js";
import { ORDERED_EXPRESSIONS } from "./ordered-expressions.js";
import { GROUP_KEY_EXPRESSIONS, ORDERED_STAGES } from "./ordered-stages.js";
import { CommandError, unsupported } from "./errors.js";
import { patternTest, withPcrePatterns } from "./pcre.js";
import { isPlainObject } from "./storage/values.js";
import { REGEX_EXPRESSIONS } from "./regex-expressions.js";
import { $expr, isTruthy, TRUTHINESS_EXPRESSIONS } from "./truthiness.js";

/** Type names a stored number cannot answer: the codec reads int32, int64 and double alike. */
const WIRE_NUMBER_TYPES = new Set(["int", "long", "double"]);

function typeMatches(value: unknown, wanted: TypeSet, wireNumber: boolean, shown: unknown): boolean {
  if (wanted.anyNumber && numericKind(value) !== null) return true;
  const actual = bsonTypeName(value);
  if (actual !== null) return wanted.names.has(actual);
  if (wireNumber)
    throw unsupported(`$type ${JSON.stringify(shown)} on a stored number (its wire type, int32, int64 or double, is not kept)`);
  return false;
}

/**
 * `$type` with the server's BSON type names (bson-types.ts) and its errors for names and numbers
 * it does not know (the engine matched nothing). It tests the values the path reaches as the
 * server walks it (`comparable`): an array there matches "array" itself, and any type one of its
 * elements has; an array met midway is entered, so `{"a.b": {$type: "array"}}` does not match
 * `{a: [{b: "x"}]}`.
 */
const $type: typeof queryOperators.$type = (selector, wanted) => {
  const types = parseTypeSet(selector, wanted);
  // Whether it asks for a type the store does not keep: decided once, not per document.
  const wireNumber = [...types.names].some((name) => WIRE_NUMBER_TYPES.has(name));
  const parts = selector.split(".");
  return (doc) => {
    const values = isPlainObject(doc) ? comparable(doc, parts) : [resolve(doc as Document, selector)];
    return values.some((value) => value !== undefined && typeMatches(value, types, wireNumber, wanted));
  };
};

/**
 * `$regex` (and `field: /re/`): a string the pattern matches, or a stored regular expression with
 * the same pattern and options (the server's RegexMatchExpression), which the engine never matched.
 */
const $regex: typeof queryOperators.$regex = (selector, value) => {
  const matches = patternTest(value as RegExp);
  const parts = selector.split(".");
  return (doc) => {
    const values = isPlainObject(doc) ? comparable(doc, parts) : [resolve(doc as Document, selector)];
    return values.some(matches);
  };
};

/**
 * `$all` as MongoDB defines it: `{f: {$all: [a, b]}}` is `{$and: [{f: a}, {f: b}]}`, so a scalar
 * field equal to the single value matches (the engine's own `$all` wants an array field). Its
 * elements are values, or all of them `{$elemMatch: …}` (the server's parseAll): an operator
 * anywhere else answers BadValue, where the engine would have run it as a condition.
 */
const $all: typeof queryOperators.$all = (selector, values) => {
  if (!Array.isArray(values)) throw new CommandError("BadValue", "$all needs an array");
  const items = values as unknown[];
  if (items.length === 0) return () => false;
  const firstKey = (item: unknown): string | undefined =>
    isPlainObject(item) ? Object.keys(item)[0] : undefined;
  if (firstKey(items[0]) === "$elemMatch") {
    if (!items.every((item) => firstKey(item) === "$elemMatch"))
      throw new CommandError("BadValue", "$all/$elemMatch has to be consistent");
  } else
    for (const item of items) {
      const key = firstKey(item);
      if (key === undefined || !key.startsWith("$")) continue;
      if (PATH_OPERATORS.has(key)) throw new CommandError("BadValue", "no $ expressions in $all");
      // The server takes `{$name: …}` for a value when it knows no such operator: not modelled.
      throw unsupported(`an element of $all that is a document whose first field is '${key}'`);
    }
  const query = newQuery({ $and: items.map((value) => ({ [selector]: value })) });
  return (doc) => query.test(doc as Document);
};

/** The server's path-accepting query operators (expression_parser.cpp queryOperatorMap). */
const PATH_OPERATORS = new Set([
  ...["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$all", "$exists", "$type", "$size"],
  ...["$mod", "$regex", "$options", "$elemMatch", "$not", "$near", "$nearSphere", "$geoWithin"],
  ...["$within", "$geoIntersects", "$bitsAllSet", "$bitsAllClear", "$bitsAnySet", "$bitsAnyClear"],
  ...["$maxDistance", "$minDistance"],
]);

/**
 * `$exists` on the values the server's path walk reaches (`comparable`): an array met midway is
 * entered (a numeric part indexes it and names a field of each element document), so
 * `{"a.b.0": {$exists: true}}` does not match `{a: [{b: []}]}` and `{"a.1": {$exists: true}}`
 * matches `{a: [{"1": "x"}]}`, where the engine answered the other way. The operand counts by
 * the server's truthiness (BSONElement::trueValue: `0`, null and false ask for absence).
 */
const $exists: typeof queryOperators.$exists = (selector, value, options) => {
  const engine = queryOperators.$exists(selector, value, options);
  const wanted = isTruthy(value);
  const parts = selector.split(".");
  return (doc) =>
    isPlainObject(doc) ? comparable(doc, parts).some((found) => found !== undefined) === wanted : engine(doc);
};

/**
 * The range operators in MongoDB's order: only values of the operand's type bracket compare
 * (a number never matches `$gt: "a"`), Binary by length, subtype, then bytes.
 */
function rangeOperator(test: (order: number) => boolean): typeof queryOperators.$gt {
  return (selector, operand) => {
    // The server lets a range with MinKey or MaxKey meet every type (ComparisonMatchExpression's
    // exception to type brackets), which only its source says; the bracket here would match nothing.
    const tag = (operand as { _bsontype?: unknown } | null)?._bsontype;
    if (tag === "MinKey" || tag === "MaxKey") throw unsupported(`a range comparison with ${tag} ('${selector}')`);
    const parts = selector.split(".");
    if ((operand === null || operand === undefined) && !test(0)) return () => false;
    return (doc) => rangeHolds(test, parts, operand, doc);
  };
}

/**
 * One range condition on one document: `parts` is the field's path split at its dots. A number or
 * date against a plain path is ordered directly (`directOrder`), anything else by the general rule.
 */
function rangeHolds(
  test: (order: number) => boolean,
  parts: string[],
  operand: unknown,
  doc: unknown,
  stored = false,
): boolean {
  const direct = directOrder(parts, operand, doc, stored);
  if (direct !== NOT_DIRECT) return direct !== NOTHING && test(direct);
  return rangeHoldsGeneral(test, parts, operand, doc, stored);
}

/**
 * `rangeHolds` by the general rule: every value the path reaches, by type bracket and BSON order
 * (exported: the shortcut's equivalence test compares the two).
 */
export function rangeHoldsGeneral(
  test: (order: number) => boolean,
  parts: string[],
  operand: unknown,
  doc: unknown,
  stored: boolean,
): boolean {
  // `{f: {$gte: null}}` matches null and missing fields; `$gt`/`$lt` null match nothing.
  if (operand === null || operand === undefined) {
    if (!test(0)) return false;
    const values = comparable(doc, parts, 0, [], stored);
    return values.length === 0 || values.some((value) => value === null || value === undefined);
  }
  const bracket = typeBracket(operand);
  const nanOperand = typeof operand === "number" && Number.isNaN(operand);
  return comparable(doc, parts, 0, [], stored).some((value) => {
    if (value === undefined || typeBracket(value) !== bracket) return false;
    // NaN equals NaN and compares with nothing else: only $gte/$lte NaN match it (the server's
    // ComparisonMatchExpression), though NaN sorts below every number.
    if (nanOperand || (typeof value === "number" && Number.isNaN(value)))
      return nanOperand && typeof value === "number" && Number.isNaN(value) && test(0);
    return test(compareBson(value, operand));
  });
}

/**
 * `$mod` and `$size` refuse malformed arguments with BadValue as the server does, where the
 * engine would silently match nothing. `$mod` divides the integer part of a fractional value
 * (the server truncates it to a 64-bit integer: 5.7 mod 4 is 1), which the engine did not.
 */
const $mod: typeof queryOperators.$mod = (selector, value) => {
  const args = value as unknown[];
  if (!Array.isArray(args) || args.length < 2) throw new Error("malformed mod, not enough elements");
  if (args.length > 2) throw new Error("malformed mod, too many elements");
  if (!args.every((n) => typeof n === "number" && Number.isFinite(n)))
    throw new Error("malformed mod, divisor and remainder must be numbers");
  const divisor = Math.trunc(args[0] as number);
  const remainder = Math.trunc(args[1] as number);
  if (divisor === 0) throw new Error("divisor cannot be 0");
  const parts = selector.split(".");
  return (doc) =>
    comparable(doc, parts).some((found) => {
      const n = found instanceof Long ? found.toNumber() : plainNumber(found);
      if (found instanceof Long && !Number.isSafeInteger(n)) throw unsupported("$mod over a Long beyond 2^53");
      if (typeof n !== "number") return false;
      if (!Number.isFinite(n)) throw unsupported("$mod over NaN or an infinite value");
      return Math.trunc(n) % divisor === remainder;
    });
};

const $size: typeof queryOperators.$size = (selector, value, options) => {
  if (typeof value !== "number")
    throw new Error(`Failed to parse $size. Expected a number in: $size: ${JSON.stringify(value)}`);
  if (!Number.isInteger(value))
    throw new Error(`Failed to parse $size. Expected an integer in: $size: ${value}`);
  if (value < 0) throw new Error(`Failed to parse $size. Expected a non-negative number in: $size: ${value}`);
  const engine = queryOperators.$size(selector, value, options);
  const parts = selector.split(".");
  // The arrays where the path ends (`arraysAt`), not the values gathered through arrays midway:
  // `{"a.b": {$size: 2}}` does not match `{a: [{b: 1}, {b: 2}]}`. The engine keeps what
  // `$elemMatch` hands it for an array's scalar elements.
  return (doc) => (isPlainObject(doc) ? arraysAt(doc, parts).some((array) => array.length === value) : engine(doc));
};

/** Operators that take an array element as a whole, as the server's do, here too (`$size`, `$elemMatch`). */
const WHOLE_ELEMENT_OPERATORS = new Set(["$size", "$elemMatch"]);

/**
 * `$elemMatch` on the elements of the arrays where the path ends (`arraysAt`) only: the engine
 * also took values gathered through arrays midway, so `{"a.b": {$elemMatch: {$gt: 1}}}` matched
 * `{a: [{b: 5}]}`. Each element is tested by the engine's own `$elemMatch` over that one array.
 * Operator conditions (`{$gt: 1}`) on an element that is itself an array are refused: the server
 * tests such an element as one value (`[5]` is not `$gt: 1`), while the stand-in's operators
 * would look into it.
 */
const $elemMatch: typeof queryOperators.$elemMatch = (selector, value, options) => {
  const engine = queryOperators.$elemMatch(selector, value, options);
  const ofArray = queryOperators.$elemMatch("array", value, options);
  const parts = selector.split(".");
  const keys = isPlainObject(value) ? Object.keys(value) : [];
  const onValue = keys.length > 0 && keys.every((key) => key.startsWith("$") && key !== "$and" && key !== "$or" && key !== "$nor");
  const refusesArrays = onValue && !keys.every((key) => WHOLE_ELEMENT_OPERATORS.has(key));
  return (doc) => {
    if (!isPlainObject(doc)) return engine(doc);
    return arraysAt(doc, parts).some((array) => {
      if (refusesArrays && array.some((item) => Array.isArray(item)))
        throw unsupported(`$elemMatch of operators over an element that is an array ('${selector}')`);
      return ofArray({ array });
    });
  };
};

/**
 * `$count` as the server runs it, a `$group` of everything then a `$project` of the count: no
 * input gives no document (the engine's own gave `{n: 0}`).
 */
const $count: typeof pipelineOperators.$count = (collection, field, options) => {
  if (typeof field !== "string" || field === "") throw new Error("the count field must be a non-empty string");
  if (field.startsWith("$")) throw new Error("the count field cannot be a $-prefixed path");
  if (field.includes(".")) throw new Error("the count field cannot contain '.'");
  const grouped = ORDERED_STAGES.$group(collection, { _id: null, [field]: { $sum: 1 } }, options);
  return pipelineOperators.$project(grouped, { _id: 0 }, options);
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
 * null equality through arrays and BSON equality as the server has them (equality.ts), the comparison
 * expressions in the server's aggregation order (expression-compare.ts), and the stages, accumulators
 * and expressions that sort, group or match values in the server's order and equality, or refusing
 * where the stand-in does not model it (ordered-stages.ts, ordered-accumulators.ts,
 * ordered-expressions.ts), the accumulators that leave out missing values or ignore
 * non-numbers as the server does (missing-accumulators.ts), arithmetic and math with the server's
 * numeric types and precision (numeric-expressions.ts, numeric-unary.ts), and conditions by the
 * server's truthiness, in expressions and `$expr` (truthiness.ts), and the `$type` expression with
 * the server's type names (bson-types.ts), `$dateDiff` answering a long (date-differences.ts), and
 * `$regexMatch`/`$regexFind`/`$regexFindAll` reading patterns as PCRE, as filters do (regex-expressions.ts).
 */
const CONTEXT = Context.init({
  accumulator: { ...accumulatorOperators, ...MISSING_ACCUMULATORS, ...ORDERED_ACCUMULATORS },
  expression: {
    ...expressionOperators,
    ...EXPRESSION_COMPARISONS,
    ...ORDERED_EXPRESSIONS,
    ...ORDERED_EXTREMES_EXPRESSIONS,
    ...MISSING_EXPRESSIONS,
    ...NUMERIC_EXPRESSIONS,
    ...NUMERIC_UNARY_EXPRESSIONS,
    ...TRUTHINESS_EXPRESSIONS,
    ...GROUP_KEY_EXPRESSIONS,
    ...TYPE_EXPRESSIONS,
    ...DATE_DIFFERENCE_EXPRESSIONS,
    ...REGEX_EXPRESSIONS,
  },
  pipeline: {
    ...pipelineOperators,
    ...ADD_FIELDS_STAGES,
    ...ORDERED_STAGES,
    $count,
    // A later `$match` reads patterns as PCRE too, as a filter does (pcre.ts).
    $match: (collection, filter, options) => pipelineOperators.$match(collection, withPcrePatterns(filter), options),
  } satisfies Partial<typeof pipelineOperators>,
  projection: projectionOperators,
  query: {
    ...queryOperators,
    $type,
    $regex,
    $all,
    $exists,
    $mod,
    $size,
    $elemMatch,
    ...RANGE_OPERATORS,
    ...EQUALITY,
    $expr,
  },
  window: windowOperators,
});

/** The engine's defaults (as `Query` and `Aggregator` take them) with the stand-in's operators. */
const EXPRESSION_OPTIONS = {
  context: CONTEXT,
  idKey: "_id",
  processingMode: ProcessingMode.CLONE_OFF,
  useStrictMode: true,
  scriptEnabled: true,
  failOnError: true,
};

/** An aggregation expression evaluated against one document (undefined: missing). */
export function evaluateExpression(root: Document, expression: unknown): unknown {
  return evalExpr(root, expressionAtCommandTime(expression), EXPRESSION_OPTIONS);
}

// `$$NOW` is fixed to the command's time before the engine sees it (command-time.ts).
export function newQuery(filter: Document): Query {
  return new Query(filterAtCommandTime(filter), { context: CONTEXT });
}

export function newAggregator(pipeline: Document[], collectionResolver?: CollectionResolver): Aggregator {
  return new Aggregator(pipelineAtCommandTime(pipeline), { context: CONTEXT, collectionResolver });
}
