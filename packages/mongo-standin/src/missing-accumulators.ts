import type { Document } from "bson";
import { evalExpr } from "mingo/core";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import { CommandError, unsupported } from "./errors.js";
import { isPlainObject, putData } from "./storage/values.js";
import { avgOf, constantSum, stdDevOf, sumOf } from "./numeric-types.js";
import { typeName } from "./bson-types.js";

type Accumulator = typeof accumulatorOperators.$push;
type Options = Parameters<Accumulator>[2];

/**
 * What an expression gives for each document of a group, missing values left out (the engine's own
 * `$push` makes them null, which MongoDB's `$push`, `$addToSet` and `$mergeObjects` never see).
 * The expression is evaluated inside a one-element array, where the engine keeps a missing value
 * as undefined.
 */
export function presentValues(docs: unknown[], expr: unknown, options: Options): unknown[] {
  const wrapped = accumulatorOperators.$push(docs as Document[], [expr], options) as unknown[][];
  // A field path gives stored data, which holds no undefined; a built value may (see `asStored`).
  const built = typeof expr !== "string";
  const values: unknown[] = [];
  for (const [value] of wrapped) if (value !== undefined) values.push(built ? asStored(value) : value);
  return values;
}

/**
 * A value built by an expression as MongoDB stores it: a field whose expression is missing is left
 * out of its document (`{x: "$absent"}` is `{}`), an array element that is missing is null.
 */
function asStored(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((element) => (element === undefined ? null : asStored(element)));
  if (!isPlainObject(value)) return value;
  const stored: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    if (value[key] !== undefined) putData(stored, key, asStored(value[key]));
  return stored;
}

/** `$push`: every present value in document order; a group whose values are all missing gives []. */
const $push: Accumulator = (docs, expr, options) => presentValues(docs, expr, options);

/** The values an expression gives for a group's documents (a missing one as null, which no numeric accumulator takes). */
function inputs(docs: unknown[], expr: unknown, options: Options): unknown[] {
  return accumulatorOperators.$push(docs as Document[], expr, options) as unknown[];
}

/**
 * `$sum` with the server's types and precision (numeric-types.ts): every non-number ignored, an
 * int total past int32 a long, a long past int64 a double, doubles in a double-double sum.
 * Decimal128 is refused. `{$sum: 1}` counts: a constant is added once per document.
 */
const $sum: typeof accumulatorOperators.$sum = (docs, expr, options) => {
  if (typeof expr === "number") return constantSum(expr, docs.length) as number;
  return sumOf("$sum", inputs(docs, expr, options)) as number;
};

/** `$avg`: the mean of the numbers by the same sum; null when there are none. */
const $avg: typeof accumulatorOperators.$avg = (docs, expr, options) =>
  avgOf("$avg", inputs(docs, expr, options)) as number;

/**
 * `$stdDevPop` and `$stdDevSamp` by the server's online algorithm: null when there are no numbers
 * (and, for the sample, when there is only one), where the engine's own gave NaN.
 */
function deviation(name: string, sampled: boolean): typeof accumulatorOperators.$stdDevPop {
  return (docs, expr, options) => stdDevOf(name, inputs(docs, expr, options), sampled) as number;
}

/**
 * `$mergeObjects` of a group: the documents merged in order, a later field replacing an earlier
 * one; null and missing ignored; any other value is the server's error 40400.
 */
const $mergeObjects: typeof accumulatorOperators.$mergeObjects = (docs, expr, options) =>
  merged(presentValues(docs, expr, options));

function merged(values: unknown[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value))
      throw new CommandError(
        "Location40400",
        `$mergeObjects requires object inputs, but input ${JSON.stringify(value)} is of type ${typeName(value)}`,
      );
    for (const key of Object.keys(value)) putData(result, key, value[key]);
  }
  return result;
}

/**
 * The expression `$mergeObjects`, which the engine also runs for the accumulator in `$group` (an
 * expression operator is looked up first, with the group's documents as the object): the group's
 * documents go to the accumulator above; `[a, b]` merges its operands, any other operand is one.
 */
const mergeObjectsExpression: typeof expressionOperators.$mergeObjects = (obj, expr, options) => {
  if (Array.isArray(obj)) return $mergeObjects(obj as Document[], expr, options);
  const operands = Array.isArray(expr) ? (expr as unknown[]) : [expr];
  const values = operands.map(
    (operand) => (accumulatorOperators.$push([obj as Document], [operand], options) as unknown[][])[0]?.[0],
  );
  return merged(values.map(asStored));
};

/**
 * Accumulators the stand-in does not model: `$median`/`$percentile` sort their numbers as strings
 * in the engine, and `$covariancePop`/`$covarianceSamp` (window functions only, on the server) do
 * not leave non-numbers out.
 */
function refused<T>(name: string): T {
  const run = (): never => {
    throw unsupported(name);
  };
  return run as unknown as T;
}

/**
 * The accumulators whose treatment of missing and non-numeric values is the server's where the
 * engine's own differ (README, "Aggregation"); `$addToSet` is in ordered-accumulators.ts.
 */
export const MISSING_ACCUMULATORS = {
  $push,
  $sum,
  $avg,
  $stdDevPop: deviation("$stdDevPop", false),
  $stdDevSamp: deviation("$stdDevSamp", true),
  $mergeObjects,
  $median: refused<typeof accumulatorOperators.$median>("$median"),
  $percentile: refused<typeof accumulatorOperators.$percentile>("$percentile"),
  $covariancePop: refused<typeof accumulatorOperators.$covariancePop>("$covariancePop"),
  $covarianceSamp: refused<typeof accumulatorOperators.$covarianceSamp>("$covarianceSamp"),
};

/**
 * The `$size` expression of exactly one argument (`{$size: x}` or `{$size: [x]}`), which must be
 * an array: null or a missing value answers 17124 as on the server (ExpressionSize), where the
 * engine's own gave null; and `{$size: ["$a"]}` is the size of `a`, not of the argument list.
 */
const $size: typeof expressionOperators.$size = (obj, expr, options) => {
  const operands = Array.isArray(expr) ? (expr as unknown[]) : [expr];
  if (operands.length !== 1)
    throw new CommandError(
      "Location16020",
      `Expression $size takes exactly 1 arguments. ${operands.length} were passed in.`,
    );
  const array = evalExpr(obj, operands[0], options) as unknown;
  if (!Array.isArray(array))
    throw new CommandError(
      "Location17124",
      `The argument to $size must be an array, but was of type: ${typeName(array)}`,
    );
  return array.length;
};

/** The expression operators the engine looks up before the accumulators of the same name. */
export const MISSING_EXPRESSIONS = {
  $size,
  $mergeObjects: mergeObjectsExpression,
  $median: refused<typeof expressionOperators.$median>("$median"),
  $percentile: refused<typeof expressionOperators.$percentile>("$percentile"),
};
