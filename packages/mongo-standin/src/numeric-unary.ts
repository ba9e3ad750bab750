import { Long } from "bson";
import { evalExpr } from "mingo/core";
import * as expressionOperators from "mingo/operators/expression";
import type { AnyObject } from "mingo/types";
import { CommandError, unsupported, type ErrorCodeName } from "./errors.js";
import {
  asDouble,
  engineOperand,
  fitsInt64,
  intOrLong,
  numericKind,
  plainNumber,
  toBigInt,
  toDouble,
  type NumericKind,
} from "./numeric-types.js";
import { isPlainObject } from "./storage/values.js";
import { convertToLong, $toLong } from "./long-conversion.js";
import { isTruthy } from "./truthiness.js";
import { typeName } from "./bson-types.js";

type Options = Parameters<typeof expressionOperators.$sqrt>[2];
type Operator = (obj: AnyObject, expr: unknown, options: Options) => unknown;

/**
 * The math expressions of one or two numbers with the server's result types and errors
 * (evaluate_math.cpp): `$sqrt`, `$exp`, `$ln`, `$log10`, `$log` always give a double; `$ceil`,
 * `$floor`, `$abs`, `$round`, `$trunc` keep their operand's type (a double stays a double, so a
 * whole one is a `Double`, numeric-types.ts `asDouble`); `$mod` is typed by its operands. The
 * engine's own gave JavaScript numbers (a whole double went out as an int32), took no long and no
 * `Double`, answered a logarithm of 0 or less and a `$mod` by zero without an error, and its
 * `$round` did not round up 26 to 30 at -1 or 2.51 to 3. Also the conversions, which now take the
 * `Double`s these give.
 */

/** The operands as the server parses them (an array is the list, anything else one operand), checked for count. */
function operandsOf(name: string, expr: unknown, min: number, max: number): unknown[] {
  const operands = Array.isArray(expr) ? (expr as unknown[]) : [expr];
  if (operands.length >= min && operands.length <= max) return operands;
  if (min === max)
    throw new CommandError(
      "Location16020",
      `Expression ${name} takes exactly ${min} arguments. ${operands.length} were passed in.`,
    );
  throw new CommandError(
    "Location28667",
    `Expression ${name} takes at least ${min} arguments, and at most ${max}, but ${operands.length} were passed in.`,
  );
}

/** A number operand's type; Decimal128 is refused (no decimal arithmetic here), a non-number is the server's error. */
function kindOf(name: string, value: unknown, code: ErrorCodeName, message: string): NumericKind {
  const kind = numericKind(value);
  if (kind === "decimal") throw unsupported(`${name} over Decimal128 values`);
  if (kind === null) throw new CommandError(code, `${message}${typeName(value)}`);
  return kind;
}

/** A double as the server's messages print it (-0 keeps its sign). */
const shown = (x: number): string => (Object.is(x, -0) ? "-0" : String(x));

/** One numeric operand (evaluateSingleNumericArg): null for null or missing, the type error 28765 for a non-number. */
function singleNumeric(name: string, compute: (value: unknown, kind: NumericKind) => unknown): Operator {
  return (obj, expr, options) => {
    const [operand] = operandsOf(name, expr, 1, 1);
    const value = evalExpr(obj, operand, options) as unknown;
    if (value === null || value === undefined) return null;
    return compute(value, kindOf(name, value, "Location28765", `${name} only supports numeric types, not `));
  };
}

/** The operand of a logarithm as a double: positive or NaN, else the server's error. */
function positive(name: string, code: ErrorCodeName, value: unknown): number {
  const x = toDouble(value);
  if (!(x > 0) && !Number.isNaN(x))
    throw new CommandError(code, `${name}'s argument must be a positive number, but is ${shown(x)}`);
  return x;
}

const $sqrt = singleNumeric("$sqrt", (value) => {
  const x = toDouble(value);
  if (x < 0) throw new CommandError("Location28714", "$sqrt's argument must be greater than or equal to 0");
  return asDouble(Math.sqrt(x));
});
const $exp = singleNumeric("$exp", (value) => asDouble(Math.exp(toDouble(value))));
const $ln = singleNumeric("$ln", (value) => asDouble(Math.log(positive("$ln", "Location28766", value))));
const $log10 = singleNumeric("$log10", (value) =>
  asDouble(Math.log10(positive("$log10", "Location28761", value))),
);

/** `$ceil`/`$floor`: a double rounded, still a double; an int or long as it is. */
const toWhole = (name: string, round: (x: number) => number): Operator =>
  singleNumeric(name, (value, kind) => (kind === "double" ? asDouble(round(toDouble(value))) : value));

/** `$abs`: a double's stays a double, an int's an int (a long past int32), a long's a long. */
const $abs = singleNumeric("$abs", (value, kind) => {
  if (kind === "double") return asDouble(Math.abs(toDouble(value)));
  const n = toBigInt(value);
  if (n === -(2n ** 63n)) throw new CommandError("Location28680", "can't take $abs of long long min");
  const magnitude = n < 0n ? -n : n;
  return kind === "long" ? Long.fromBigInt(magnitude) : intOrLong(magnitude);
});

/** `$log` of a number in a base, both numbers: `ln(x) / ln(base)`, as the server computes it. */
const $log: Operator = (obj, expr, options) => {
  const [argument, base] = operandsOf("$log", expr, 2, 2).map(
    (operand) => evalExpr(obj, operand, options) as unknown,
  );
  if (argument === null || argument === undefined || base === null || base === undefined) return null;
  kindOf("$log", argument, "Location28756", "$log's argument must be numeric, not ");
  kindOf("$log", base, "Location28757", "$log's base must be numeric, not ");
  const x = positive("$log", "Location28758", argument);
  const b = toDouble(base);
  if (!((b > 0 && b !== 1) || Number.isNaN(b)))
    throw new CommandError(
      "Location28759",
      `$log's base must be a positive number not equal to 1, but is ${shown(b)}`,
    );
  return asDouble(Math.log(x) / Math.log(b));
};

/**
 * `$mod` (ExpressionMod::apply): by zero is error 16610; a double dividend, or a fractional double
 * divisor, gives the double remainder; else a long among them a long, two ints an int.
 */
const $mod: Operator = (obj, expr, options) => {
  const [dividend, divisor] = operandsOf("$mod", expr, 2, 2).map(
    (operand) => evalExpr(obj, operand, options) as unknown,
  );
  if (dividend === null || dividend === undefined || divisor === null || divisor === undefined) return null;
  const left = numericKind(dividend);
  const right = numericKind(divisor);
  if (left === "decimal" || right === "decimal") throw unsupported("$mod over Decimal128 values");
  if (left === null || right === null)
    throw new CommandError(
      "Location16611",
      `$mod only supports numeric types, not ${typeName(dividend)} and ${typeName(divisor)}`,
    );
  const d = toDouble(divisor);
  if (d === 0) throw new CommandError("Location16610", "can't $mod by zero");
  if (left === "double" || (right === "double" && !Number.isInteger(d)))
    return asDouble(toDouble(dividend) % d);
  const remainder = toBigInt(dividend) % toBigInt(divisor);
  return left === "long" || right === "long" ? Long.fromBigInt(remainder) : intOrLong(remainder);
};

type Rounding = "tiesToEven" | "towardZero";

/** `n / d` for n ≥ 0, d > 0, rounded as `mode` says. */
function divideRounded(n: bigint, d: bigint, mode: Rounding): bigint {
  const quotient = n / d;
  const twice = 2n * (n % d);
  if (mode === "towardZero" || twice < d || (twice === d && quotient % 2n === 0n)) return quotient;
  return quotient + 1n;
}

/**
 * A positive finite double as the Decimal128 the server makes of it (kRoundTo34Digits): its exact
 * decimal value (m × 2^e is m × 5^-e × 10^e), rounded to 34 significant digits, ties to even.
 */
function decimalOf(x: number): { coefficient: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = biased === 0 ? -1074 : biased - 1075;
  let coefficient = power >= 0 ? mantissa << BigInt(power) : mantissa * 5n ** BigInt(-power);
  let exponent = power >= 0 ? 0 : power;
  const excess = coefficient.toString().length - 34;
  if (excess > 0) {
    coefficient = divideRounded(coefficient, 10n ** BigInt(excess), "tiesToEven");
    exponent += excess;
  }
  return { coefficient, exponent };
}

/**
 * A double rounded to `place` decimal places as the server does (evaluateRoundOrTrunc): its
 * Decimal128 quantized to 10^-place, back to the nearest double. A quantize that would need more
 * than 34 digits is NaN, as IEEE 754 has it (a double of 22 integer digits at place 20).
 */
function roundDouble(x: number, place: number, mode: Rounding): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const { coefficient, exponent } = decimalOf(Math.abs(x));
  if (exponent >= -place) return coefficient.toString().length + exponent + place > 34 ? Number.NaN : x;
  const rounded = divideRounded(coefficient, 10n ** BigInt(-place - exponent), mode);
  const magnitude = Number(`${rounded}e${-place}`);
  return x < 0 ? -magnitude : magnitude;
}

/**
 * `$round` (ties to even) and `$trunc` (toward zero) to `place` decimal places, -20 to 100: a
 * double stays a double; an int or long is as it is at a place of 0 or more, else rounded at
 * 10^-place, an int becoming a long past int32.
 */
function roundOrTrunc(name: "$round" | "$trunc", mode: Rounding): Operator {
  return (obj, expr, options) => {
    const operands = operandsOf(name, expr, 1, 2).map(
      (operand) => evalExpr(obj, operand, options) as unknown,
    );
    const [value, precision] = operands;
    if (value === null || value === undefined) return null;
    const kind = kindOf(name, value, "Location51081", `${name} only supports numeric types, not `);
    let place = 0;
    if (operands.length > 1) {
      if (precision === null || precision === undefined) return null;
      const precisionKind = numericKind(precision);
      if (precisionKind === null || precisionKind === "decimal")
        throw new CommandError(
          "Location16004",
          `can't convert from BSON type ${typeName(precision)} to long`,
        );
      place = toDouble(precision);
      if (!Number.isInteger(place))
        throw new CommandError("Location51082", `precision argument to  ${name} must be a integral value`);
      if (place < -20 || place > 100)
        throw new CommandError(
          "Location51083",
          `cannot apply ${name} with precision value ${place} value must be in [-20, 100]`,
        );
    }
    if (kind === "double") return asDouble(roundDouble(toDouble(value), place, mode));
    if (place >= 0) return value;
    const n = toBigInt(value);
    const unit = 10n ** BigInt(-place);
    const magnitude = divideRounded(n < 0n ? -n : n, unit, mode) * unit;
    const result = n < 0n ? -magnitude : magnitude;
    if (!fitsInt64(result))
      throw new CommandError(
        "Location51080",
        `invalid conversion from Decimal128 result in ${name} resulting from arguments: [${n}, ${place}]`,
      );
    return kind === "long" ? Long.fromBigInt(result) : intOrLong(result);
  };
}

/** A conversion by the engine's own operator, given a `Double` or `Int32` as its number. */
function converting(engine: Operator): Operator {
  return (obj, expr, options) =>
    engine(obj, { $literal: plainNumber(evalExpr(obj, expr, options)) }, options);
}

/** `$toDouble`: a double always (the server's), so a whole one is a `Double`. */
const $toDouble: Operator = (obj, expr, options) => {
  const input = evalExpr(obj, expr, options) as unknown;
  const kind = numericKind(input);
  if (kind !== null && kind !== "decimal") return asDouble(toDouble(input));
  const out = expressionOperators.$toDouble(obj, { $literal: input }, options) as unknown;
  return typeof out === "number" ? asDouble(out) : out;
};

/** `$toBool` of a number by the server's truthiness (a long or double zero false, NaN true); null stays null. */
const $toBool: Operator = (obj, expr, options) => {
  const input = evalExpr(obj, expr, options) as unknown;
  const kind = numericKind(input);
  if (kind !== null && kind !== "decimal") return isTruthy(input);
  return expressionOperators.$toBool(obj, { $literal: input }, options);
};

/**
 * The `$convert` targets the engine converts to as the server does (by alias and number). It took
 * "boolean" and "number", which the server does not, made a double of "decimal" and fell to
 * onError for "objectId" and "binData", which the server converts.
 */
const CONVERT_TARGETS = new Set<unknown>([
  "double",
  1,
  "string",
  2,
  "bool",
  8,
  "date",
  9,
  "int",
  16,
  "long",
  18,
]);

/**
 * `$convert` with the same rules for numbers to bool and to double, and to long a `Long`
 * (long-conversion.ts); the rest is the engine's.
 */
const $convert: Operator = (obj, expr, options) => {
  if (!isPlainObject(expr)) return expressionOperators.$convert(obj, expr as never, options);
  const input = evalExpr(obj, expr.input, options) as unknown;
  const to = evalExpr(obj, expr.to, options) as unknown;
  if (!CONVERT_TARGETS.has(to))
    throw unsupported(
      `$convert to ${JSON.stringify(to)} (the engine converts to its own targets, not the server's)`,
    );
  const kind = numericKind(input);
  const numeric = kind !== null && kind !== "decimal";
  if (numeric && (to === 8 || to === "bool")) return isTruthy(input);
  if (numeric && (to === 1 || to === "double")) return asDouble(toDouble(input));
  if (to === 18 || to === "long") return convertToLong(obj, expr, input, options);
  const spec = { ...expr, input: { $literal: plainNumber(input) } };
  const out = expressionOperators.$convert(obj, spec as never, options) as unknown;
  return (to === 1 || to === "double") && typeof out === "number" ? asDouble(out) : out;
};

/**
 * One of the engine's operators whose operands are all plain expressions, given a `Double` an
 * earlier expression computed, or a long, as its number (the engine took one for an object:
 * `$arrayElemAt` at `{$floor: {$divide: …}}` failed, `$dateAdd` of a `$dateDiff` amount too). Operators that bind variables (`$map`, `$reduce`, `$let`)
 * or run as accumulators in `$group` (`$firstN`…) are not wrapped so.
 */
function withPlainOperands(engine: Operator): Operator {
  return (obj, expr, options) => {
    const plain = (operand: unknown): unknown => ({
      $literal: engineOperand(evalExpr(obj, operand, options)),
    });
    if (Array.isArray(expr)) return engine(obj, (expr as unknown[]).map(plain), options);
    if (isPlainObject(expr) && Object.keys(expr).every((key) => !key.startsWith("$")))
      return engine(
        obj,
        Object.fromEntries(Object.entries(expr).map(([key, operand]) => [key, plain(operand)])),
        options,
      );
    return engine(obj, plain(expr), options);
  };
}

/** The same, for the trigonometric operators, which always give a double (a whole one a `Double`). */
function trigonometric(engine: Operator): Operator {
  const run = withPlainOperands(engine);
  return (obj, expr, options) => {
    const out = run(obj, expr, options);
    return typeof out === "number" ? asDouble(out) : out;
  };
}

/** The engine's operators of `names` it has, each wrapped by `wrap`. */
function fromEngine(names: string[], wrap: (engine: Operator) => Operator): Record<string, Operator> {
  const engine = expressionOperators as unknown as Record<string, Operator | undefined>;
  const wrapped: Record<string, Operator> = {};
  for (const name of names) {
    const operator = engine[name];
    if (operator) wrapped[name] = wrap(operator);
  }
  return wrapped;
}

const PLAIN_OPERAND_OPERATORS = [
  "$arrayElemAt",
  "$slice",
  "$range",
  "$substr",
  "$substrBytes",
  "$substrCP",
  "$indexOfBytes",
  "$indexOfCP",
  "$dateAdd",
  "$dateSubtract",
  "$dateFromParts",
  "$toDate",
];
const TRIGONOMETRIC_OPERATORS = [
  "$sin",
  "$cos",
  "$tan",
  "$asin",
  "$acos",
  "$atan",
  "$atan2",
  "$sinh",
  "$cosh",
  "$tanh",
  "$asinh",
  "$acosh",
  "$atanh",
  "$degreesToRadians",
  "$radiansToDegrees",
];

/** The math and conversion expressions with the server's result types, by name. */
export const NUMERIC_UNARY_EXPRESSIONS = {
  ...fromEngine(PLAIN_OPERAND_OPERATORS, withPlainOperands),
  ...fromEngine(TRIGONOMETRIC_OPERATORS, trigonometric),
  $sqrt,
  $exp,
  $ln,
  $log10,
  $log,
  $ceil: toWhole("$ceil", Math.ceil),
  $floor: toWhole("$floor", Math.floor),
  $abs,
  $mod,
  $round: roundOrTrunc("$round", "tiesToEven"),
  $trunc: roundOrTrunc("$trunc", "towardZero"),
  $toDouble,
  $toBool,
  $convert,
  $toString: converting(expressionOperators.$toString as Operator),
  $toInt: converting(expressionOperators.$toInt as Operator),
  $toLong,
} as Record<string, Operator>;
