import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { evalExpr } from "mingo/core";
import type * as expressionOperators from "mingo/operators/expression";
import { compareBson } from "./bson-order.js";
import { CommandError, unsupported } from "./errors.js";
import { isPlainObject } from "./storage/values.js";

/** The largest magnitude a Long may have and still compare exactly as a JavaScript number. */
const EXACT_LONG = Long.fromNumber(Number.MAX_SAFE_INTEGER);

/**
 * Refuses a value whose order the stand-in does not model exactly, where an expression compares
 * it. A missing value is a value of its own only at the top: inside an array the server turns a
 * missing element into null while a stored BSON undefined stays undefined, and inside a document
 * it drops the field, and the engine hands all of these over as `undefined`.
 */
function assertComparable(value: unknown, top: boolean): void {
  if (value === undefined) {
    if (top) return;
    throw unsupported("comparing arrays or documents that hold missing (undefined) values in expressions");
  }
  if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "number")
    return;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) assertComparable(item, false);
    return;
  }
  if (isPlainObject(value)) {
    for (const key in value)
      if (Object.prototype.hasOwnProperty.call(value, key)) assertComparable(value[key], false);
    return;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw unsupported("comparing invalid dates in expressions");
    return;
  }
  // Before Long: bson's Timestamp is a subclass of Long, compared by its seconds and increment.
  if (value instanceof Timestamp) return;
  if (value instanceof Long) {
    if (value.greaterThan(EXACT_LONG) || value.lessThan(EXACT_LONG.negate()))
      throw unsupported("comparing Long values beyond 2^53 in expressions");
    return;
  }
  if (value instanceof Decimal128) throw unsupported("comparing Decimal128 values in expressions");
  if (
    value instanceof Int32 ||
    value instanceof Double ||
    value instanceof Binary ||
    value instanceof ObjectId
  )
    return;
  const tag = (value as { _bsontype?: string })._bsontype;
  if (tag === "MinKey" || tag === "MaxKey") return;
  // Regular expressions, code, symbols, DBRefs…: their order (byte-wise pattern and flags, the
  // server's field layout of a DBRef) is not modelled.
  throw unsupported(`comparing ${tag ?? value.constructor.name} values in expressions`);
}

/**
 * The order of the aggregation comparison expressions: the BSON order (bson-order.ts), with a
 * missing value (undefined) as a type of its own, below null and above MinKey, as the server's
 * canonical type order puts it. An array is one value here: it is never matched element by element.
 */
export function compareExpressionValues(a: unknown, b: unknown): number {
  assertComparable(a, true);
  assertComparable(b, true);
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    const other = a === undefined ? b : a;
    const missingIsLower = (other as { _bsontype?: string } | null)?._bsontype !== "MinKey";
    const order = missingIsLower ? -1 : 1;
    return a === undefined ? order : -order;
  }
  return compareBson(a, b);
}

type Operator = typeof expressionOperators.$eq;

/** The two evaluated arguments; any other count answers 16020 as the server does. */
function operands(
  name: string,
  obj: Parameters<Operator>[0],
  expr: unknown,
  options: Parameters<Operator>[2],
): [unknown, unknown] {
  const count = Array.isArray(expr) ? expr.length : 1;
  if (count !== 2)
    throw new CommandError(
      "Location16020",
      `Expression ${name} takes exactly 2 arguments. ${count} were passed in.`,
    );
  const [a, b] = evalExpr(obj, expr, options) as [unknown, unknown];
  return [a, b];
}

function comparison(name: string, holds: (order: number) => boolean): Operator {
  return (obj, expr, options) => {
    const [a, b] = operands(name, obj, expr, options);
    return holds(compareExpressionValues(a, b));
  };
}

/**
 * The comparison expressions with the server's aggregation semantics, in place of the engine's
 * (which compare only values of one JavaScript type and look inside arrays, so that a missing
 * `availableAt` was never `$lte` `$$NOW` and a queue entry never became due).
 */
export const EXPRESSION_COMPARISONS = {
  $eq: comparison("$eq", (order) => order === 0),
  $ne: comparison("$ne", (order) => order !== 0),
  $lt: comparison("$lt", (order) => order < 0),
  $lte: comparison("$lte", (order) => order <= 0),
  $gt: comparison("$gt", (order) => order > 0),
  $gte: comparison("$gte", (order) => order >= 0),
  $cmp: ((obj, expr, options) => {
    const [a, b] = operands("$cmp", obj, expr, options);
    return Math.sign(compareExpressionValues(a, b));
  }) as typeof expressionOperators.$cmp,
};
