import { Long } from "bson";
import { evalExpr } from "mingo/core";
import type * as expressionOperators from "mingo/operators/expression";
import type { AnyObject } from "mingo/types";
import { typeName } from "./bson-types.js";
import { CommandError, unsupported } from "./errors.js";
import { fitsInt64, numericKind, toDouble } from "./numeric-types.js";

type Options = Parameters<typeof expressionOperators.$toLong>[2];

const TWO_POW_63 = 2 ** 63;

const failure = (message: string): CommandError =>
  new CommandError("ConversionFailure", `${message} in $convert with no onError value`);

/**
 * A value converted to a long as the manual's `$toLong` table has it: a bool 1 or 0, an int or
 * long as it is, a double truncated (within int64), a base-10 integer string, a date its
 * milliseconds, null or missing null; anything else ConversionFailure (241), which `$convert`'s
 * onError replaces. Always a bson `Long`: a plain number would go out as an int32 (or a double),
 * where the server's reply holds an int64 and `$type` says "long".
 */
function toLongValue(input: unknown): Long | null {
  if (input === null || input === undefined) return null;
  if (typeof input === "boolean") return Long.fromNumber(input ? 1 : 0);
  if (input instanceof Date) return Long.fromNumber(input.getTime());
  const kind = numericKind(input);
  if (kind === "decimal") throw unsupported("Decimal128 conversion");
  if (kind === "long") return input as Long;
  if (kind === "int" || kind === "double") {
    const x = toDouble(input);
    if (Number.isNaN(x)) throw failure("Attempt to convert NaN value to integer type");
    if (!Number.isFinite(x)) throw failure("Attempt to convert infinity value to integer type");
    const whole = Math.trunc(x);
    if (whole < -TWO_POW_63 || whole >= TWO_POW_63)
      throw failure(`Conversion would overflow target type: ${x}`);
    return Long.fromBigInt(BigInt(whole));
  }
  if (typeof input === "string") {
    if (/^-?\d+$/.test(input)) {
      // More than 19 significant digits overflows; checked first so that a long digit string is
      // never parsed (BigInt of megabytes of digits would hold up every connection).
      const digits = input.replace(/^-?0*/, "");
      const n = digits.length > 19 ? null : BigInt(input);
      if (n === null || !fitsInt64(n)) throw failure(`Failed to parse number '${input}': Overflow`);
      return Long.fromBigInt(n);
    }
    // Signs and spaces the stand-in has not checked against the server's parser: refused, not guessed.
    if (/^\s*\+?\s*-?\d+\s*$/.test(input))
      throw unsupported(`$toLong of the string ${JSON.stringify(input)}`);
    throw failure(`Failed to parse number '${input}': Did not consume whole string.`);
  }
  const name = typeName(input);
  if (name === "timestamp") throw unsupported("$toLong of a Timestamp");
  throw failure(`Unsupported conversion from ${name} to long`);
}

/** `$toLong`: the shorthand of `$convert` to "long" with no onError. */
export function $toLong(obj: AnyObject, expr: unknown, options: Options): Long | null {
  const operand = Array.isArray(expr) && expr.length === 1 ? (expr[0] as unknown) : expr;
  return toLongValue(evalExpr(obj, operand, options));
}

/**
 * `$convert` to "long" (or 18): null or missing input the onNull value, else the conversion, a
 * ConversionFailure the onError value when one is given.
 */
export function convertToLong(
  obj: AnyObject,
  spec: Record<string, unknown>,
  input: unknown,
  options: Options,
): unknown {
  if (input === null || input === undefined)
    return "onNull" in spec ? evalExpr(obj, spec.onNull, options) : null;
  try {
    return toLongValue(input);
  } catch (error) {
    if (error instanceof CommandError && error.codeName === "ConversionFailure" && "onError" in spec)
      return evalExpr(obj, spec.onError, options);
    throw error;
  }
}
