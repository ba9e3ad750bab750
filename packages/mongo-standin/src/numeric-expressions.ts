import { Long, type Document } from "bson";
import { evalExpr } from "mingo/core";
import * as expressionOperators from "mingo/operators/expression";
import type { AnyObject } from "mingo/types";
import { CommandError, unsupported } from "./errors.js";
import { MISSING_ACCUMULATORS } from "./missing-accumulators.js";
import { ORDERED_ACCUMULATORS } from "./ordered-accumulators.js";
import {
  asDouble,
  fitsInt64,
  integerOf,
  isIntLongOrDouble,
  engineOperand,
  numericKind,
  toBigInt,
  toDouble,
  widest,
  type NumericKind,
} from "./numeric-types.js";

type Options = Parameters<typeof expressionOperators.$add>[2];
type Operator = (obj: AnyObject, expr: unknown, options: Options) => unknown;

/** The evaluated arguments as literals, so that the engine's operator does not evaluate them again. */
const literals = (values: unknown[]): unknown[] => values.map((value) => ({ $literal: value }));

/** The kinds of `args` when every one is an int, long or double; null otherwise. */
function kindsOf(args: unknown[]): NumericKind[] | null {
  return args.every(isIntLongOrDouble) ? args.map((arg) => numericKind(arg) as NumericKind) : null;
}

/**
 * An arithmetic expression over ints, longs and doubles as the server types it; anything else
 * (null and missing, dates, non-numbers and their errors) is the engine's, which agrees there. A
 * null or missing operand before any other makes the result null, as on the server. Decimal128 is
 * refused, as by `$inc`/`$mul`: the engine has no decimal type and would answer in doubles or fail
 * with its own error.
 */
function typedArithmetic(
  run: (args: unknown[], kinds: NumericKind[], obj: AnyObject, options: Options) => unknown,
  fallback: Operator,
  arity?: number,
): Operator {
  return (obj, expr, options) => {
    const args = evalExpr(obj, expr, options) as unknown;
    if (!Array.isArray(args) || (arity !== undefined && args.length !== arity))
      return fallback(obj, expr, options);
    const list = args as unknown[];
    const kinds = kindsOf(list);
    if (kinds !== null) return run(list, kinds, obj, options);
    const other = list.find((arg) => !isIntLongOrDouble(arg));
    if (other === null || other === undefined) return null;
    if (list.some((arg) => numericKind(arg) === "decimal")) throw unsupported("Decimal128 arithmetic");
    // A whole double the stand-in computed is a `Double`, and a date difference a `Long`, which the
    // engine would take for objects (a date plus a long is a date on the server).
    return fallback(obj, literals(list.map(engineOperand)), options);
  };
}

/**
 * `$add` (evaluate_math.cpp, AddState): ints and longs in one exact integer total, an int when it
 * fits, else a long; a long overflow or a double turns the total into a double from then on.
 */
const $add = typedArithmetic((args, kinds) => {
  let kind: NumericKind = "int";
  let longTotal = 0n;
  let doubleTotal = 0;
  for (const [i, arg] of args.entries()) {
    const before: NumericKind = kind;
    kind = widest(kind, kinds[i] as NumericKind);
    if (before !== kind && kind === "double") doubleTotal = Number(longTotal);
    if (kind === "double") {
      doubleTotal += toDouble(arg);
      continue;
    }
    const next = longTotal + toBigInt(arg);
    if (fitsInt64(next)) longTotal = next;
    else {
      kind = "double";
      doubleTotal = Number(longTotal) + toDouble(arg);
    }
  }
  return kind === "double" ? asDouble(doubleTotal) : integerOf(kind, longTotal);
}, expressionOperators.$add);

/**
 * `$subtract` of anything but two numbers: two dates give their milliseconds apart as a long
 * (evaluateSubtract's `long long`; the engine's number went out as an int32 or a double), a date
 * and a number a date, as the engine's.
 */
const subtractOthers: Operator = (obj, expr, options) => {
  const args = evalExpr(obj, expr, options) as unknown;
  const [left, right] = Array.isArray(args) ? (args as unknown[]) : [];
  if (left instanceof Date && right instanceof Date) return Long.fromNumber(left.getTime() - right.getTime());
  return (expressionOperators.$subtract as Operator)(obj, expr, options);
};

/** `$subtract` of two numbers (evaluateSubtract): ints give an int or long, longs a long or, on overflow, a double. */
const $subtract = typedArithmetic(
  ([left, right], kinds) => {
    const kind = widest(kinds[0] as NumericKind, kinds[1] as NumericKind);
    if (kind === "double") return asDouble(toDouble(left) - toDouble(right));
    const difference = toBigInt(left) - toBigInt(right);
    if (kind === "long" && !fitsInt64(difference)) return asDouble(toDouble(left) - toDouble(right));
    return integerOf(kind, difference);
  },
  subtractOthers,
  2,
);

/**
 * `$multiply` (MultiplyState): an exact integer product while the operands are ints and longs and it
 * fits a long, the double product once a double is met or the long would overflow.
 */
const $multiply = typedArithmetic((args, kinds) => {
  let kind: NumericKind = "int";
  let longProduct = 1n;
  let doubleProduct = 1;
  for (const [i, arg] of args.entries()) {
    kind = widest(kind, kinds[i] as NumericKind);
    doubleProduct *= toDouble(arg);
    if (kind === "double") continue;
    const next = longProduct * toBigInt(arg);
    if (fitsInt64(next)) longProduct = next;
    else kind = "double";
  }
  return kind === "double" ? asDouble(doubleProduct) : integerOf(kind, longProduct);
}, expressionOperators.$multiply as Operator);

/** `$divide` (evaluateDivide): a double quotient of the numbers' doubles, ints and longs too (6 / 3 is the double 2). */
const $divide = typedArithmetic(
  ([numerator, denominator]) => {
    const divisor = toDouble(denominator);
    if (divisor === 0) throw new CommandError("BadValue", "can't $divide by zero");
    return asDouble(toDouble(numerator) / divisor);
  },
  expressionOperators.$divide as Operator,
  2,
);

/**
 * `$pow` (ExpressionPow): ints and longs with an exponent from 0 to 63 give the exact power, an int
 * when both are ints and it fits, else a long, a double past int64; a double among them, or a
 * negative exponent of a base other than -1, 0 and 1, gives the double power. A zero base with a
 * negative exponent is left to the engine's error.
 */
const $pow = typedArithmetic(
  ([base, exponent], kinds, obj, options) => {
    const kind = widest(kinds[0] as NumericKind, kinds[1] as NumericKind);
    const double = (): unknown => asDouble(Math.pow(toDouble(base), toDouble(exponent)));
    if (toDouble(base) === 0 && toDouble(exponent) < 0)
      return expressionOperators.$pow(obj, literals([base, exponent]), options);
    if (kind === "double") return double();
    const b = toBigInt(base);
    const e = toBigInt(exponent);
    if (b === 0n || b === 1n) return integerOf(kind, e === 0n ? 1n : b);
    if (b === -1n) return integerOf(kind, e % 2n === 0n ? 1n : -1n);
    if (e < 0n || e > 63n) return double();
    const power = b ** e;
    return fitsInt64(power) ? integerOf(kind, power) : double();
  },
  expressionOperators.$pow as Operator,
  2,
);

/** `$isNumber`: true for ints, longs, doubles and decimals (the engine's took a Long for no number). */
const $isNumber: Operator = (obj, expr, options) => {
  const operand = Array.isArray(expr) && expr.length === 1 ? (expr[0] as unknown) : expr;
  return numericKind(evalExpr(obj, operand, options)) !== null;
};

type Accumulator = (docs: Document[], expr: unknown, options: Options) => unknown;

/**
 * An accumulator used as an expression (the server's evaluateAccumulator): one operand that is an
 * array gives its elements, one that is not gives itself, several give each value. The engine
 * looks an expression up first in `$group` too, with the group's documents as the object: those
 * go to the accumulator. (The engine's own gave `{$max: ["$arr"]}` the whole array.)
 */
function fromAccumulator(accumulator: unknown): Operator {
  const run = accumulator as Accumulator;
  return (obj, expr, options) => {
    if (Array.isArray(obj)) return run(obj as Document[], expr, options);
    const operands = Array.isArray(expr) ? (expr as unknown[]) : [expr];
    let values: unknown[];
    if (operands.length !== 1) values = operands.map((operand) => evalExpr(obj, operand, options));
    else {
      const value = evalExpr(obj, operands[0], options) as unknown;
      values = Array.isArray(value) ? (value as unknown[]) : [value];
    }
    // With no expression the accumulator takes the values themselves (the engine's `$push`).
    return run(values as Document[], null, options);
  };
}

/**
 * The arithmetic expressions with the server's result types (an int32 result past that range is a
 * long, a long past int64 a double) and exact integer arithmetic, `$isNumber` over longs, and the
 * expression forms of the accumulators that have one, over the server's operands.
 */
export const NUMERIC_EXPRESSIONS = {
  $add,
  $subtract,
  $multiply,
  $divide,
  $pow,
  $isNumber,
  $sum: fromAccumulator(MISSING_ACCUMULATORS.$sum),
  $avg: fromAccumulator(MISSING_ACCUMULATORS.$avg),
  $stdDevPop: fromAccumulator(MISSING_ACCUMULATORS.$stdDevPop),
  $stdDevSamp: fromAccumulator(MISSING_ACCUMULATORS.$stdDevSamp),
  $min: fromAccumulator(ORDERED_ACCUMULATORS.$min),
  $max: fromAccumulator(ORDERED_ACCUMULATORS.$max),
} as Record<string, Operator>;
