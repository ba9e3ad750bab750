import { Long } from "bson";
import { evalExpr } from "mingo/core";
import * as expressionOperators from "mingo/operators/expression";
import type { AnyObject } from "mingo/types";
import { typeName } from "./bson-types.js";
import { unsupported } from "./errors.js";
import { isPlainObject } from "./storage/values.js";

type Options = Parameters<typeof expressionOperators.$dateDiff>[2];

const UNITS = new Set(["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"]);

/** A `$dateDiff` date operand: a date, or null for null and missing; anything else is refused. */
function dateOperand(name: string, value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  // The server takes a timestamp's or an ObjectId's time and refuses other types with an error
  // whose code the stand-in has not checked; the engine made an invalid date of them all.
  throw unsupported(`$dateDiff with a ${typeName(value)} ${name}`);
}

/**
 * `$dateDiff` (ExpressionDateDiff): a long, the number of the unit's boundaries crossed from
 * startDate to endDate, null when a date, the unit or a given timezone is null or missing. The
 * engine answered a plain number (an int32 or a double on the wire), took a null date for the
 * epoch, rounded seconds (half a second past a whole one counted one more) and made 0 of an
 * unknown unit, which is refused here.
 */
function $dateDiff(obj: AnyObject, expr: unknown, options: Options): Long | null {
  if (!isPlainObject(expr)) throw unsupported("$dateDiff with an argument that is not a document");
  const args = evalExpr(obj, expr, options) as Record<string, unknown>;
  const start = dateOperand("startDate", args.startDate);
  const end = dateOperand("endDate", args.endDate);
  const { unit } = args;
  if (start === null || end === null || unit === null || unit === undefined) return null;
  if ("timezone" in expr && (args.timezone === null || args.timezone === undefined)) return null;
  if (typeof unit !== "string" || !UNITS.has(unit))
    throw unsupported(`$dateDiff in the unit ${JSON.stringify(unit)}`);
  // Seconds crossed: the server counts whole seconds since the epoch, in any timezone.
  if (unit === "second")
    return Long.fromNumber(Math.floor(end.getTime() / 1000) - Math.floor(start.getTime() / 1000));
  const literal = { ...args, startDate: start, endDate: end };
  const count = expressionOperators.$dateDiff(obj, { $literal: literal } as never, options) as unknown;
  if (typeof count !== "number" || !Number.isSafeInteger(count))
    throw unsupported(`$dateDiff that the engine answers with ${String(count)}`);
  return Long.fromNumber(count);
}

/** The date expressions whose results are longs, by name. */
export const DATE_DIFFERENCE_EXPRESSIONS = { $dateDiff };
