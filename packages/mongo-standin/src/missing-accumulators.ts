import type { Document } from "bson";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import { CommandError, unsupported } from "./errors.js";
import { isPlainObject, putData } from "./storage/values.js";
import { typeName } from "./update/operators.js";

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

/**
 * The numbers of a group, as `$sum`, `$avg` and the standard deviations take them: every other
 * value (missing, null, strings, arrays…) is ignored. Decimal128 and every wrapped number (Long,
 * Int32, Double objects) are refused, however small: the engine would ignore them as non-numbers.
 */
function numbers(name: string, docs: unknown[], expr: unknown, options: Options): number[] {
  const found: number[] = [];
  for (const value of accumulatorOperators.$push(docs as Document[], expr, options) as unknown[]) {
    if (typeof value === "number") found.push(value);
    else if (isWideNumber(value)) throw unsupported(`${name} over Decimal128 or 64-bit integer values`);
  }
  return found;
}

function isWideNumber(value: unknown): boolean {
  const tag = (value as { _bsontype?: unknown } | null | undefined)?._bsontype;
  return tag === "Decimal128" || tag === "Long" || tag === "Int32" || tag === "Double";
}

const $sum: typeof accumulatorOperators.$sum = (docs, expr, options) => {
  // `{$sum: 1}` counts: the engine's own multiplies the group's size by the constant.
  if (typeof expr === "number") return accumulatorOperators.$sum(docs, expr, options);
  return numbers("$sum", docs, expr, options).reduce((total, n) => total + n, 0);
};

/** `$avg`: the mean of the numbers; null when there are none. */
const $avg: typeof accumulatorOperators.$avg = (docs, expr, options) => {
  const found = numbers("$avg", docs, expr, options);
  return found.length === 0 ? null : found.reduce((total, n) => total + n, 0) / found.length;
};

/**
 * `$stdDevPop` and `$stdDevSamp`: null when there are no numbers (and, for the sample, when there
 * is only one), where the engine's own gave NaN.
 */
function deviation(name: string, sampled: boolean): typeof accumulatorOperators.$stdDevPop {
  return (docs, expr, options) => {
    const found = numbers(name, docs, expr, options);
    if (found.length < (sampled ? 2 : 1)) return null as unknown as number;
    const mean = found.reduce((total, n) => total + n, 0) / found.length;
    const squares = found.reduce((total, n) => total + (n - mean) ** 2, 0);
    return Math.sqrt(squares / (found.length - (sampled ? 1 : 0)));
  };
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

/** The expression operators the engine looks up before the accumulators of the same name. */
export const MISSING_EXPRESSIONS = {
  $mergeObjects: mergeObjectsExpression,
  $median: refused<typeof expressionOperators.$median>("$median"),
  $percentile: refused<typeof expressionOperators.$percentile>("$percentile"),
};
