import type { Decimal128, Long } from "bson";
import { evalExpr } from "mingo/core";
import * as expressionOperators from "mingo/operators/expression";
import type * as queryOperators from "mingo/operators/query";
import type { AnyObject } from "mingo/types";
import { CommandError } from "./errors.js";
import { isBoxedNumber } from "./numeric-types.js";
import { isPlainObject } from "./storage/values.js";
import { typeName } from "./bson-types.js";

type Options = Parameters<typeof expressionOperators.$cond>[2];
type Operator = (obj: AnyObject, expr: unknown, options: Options) => unknown;

/** A Decimal128's text names a zero (`0`, `-0`, `0.000`, `0E+10`): its digits are all zeros. */
function decimalIsZero(text: string): boolean {
  return /^-?[0.]+(E[+-]?\d+)?$/i.test(text);
}

/**
 * Whether the server takes `value` for true where an expression wants a condition (its
 * Value::coerceToBool, document_value/value.cpp): false, null, undefined, a missing value and every
 * numeric zero (int, long, double 0 and -0, Decimal128 0) are false; everything else is true, ""
 * and [] and NaN too (a C++ double NaN converts to true). The engine's own took JavaScript's
 * truthiness: a `Long` zero (one the stand-in's long arithmetic gives) was true, NaN false.
 */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value !== "object") return true;
  // By the tag, not the class: bson's Timestamp is a subclass of Long, and a timestamp is true.
  const tag = (value as { _bsontype?: unknown })._bsontype;
  if (tag === "Long") return !(value as Long).isZero();
  if (isBoxedNumber(value)) return Number(value.valueOf()) !== 0;
  if (tag === "Decimal128") return !decimalIsZero((value as Decimal128).toString());
  return true;
}

/** The operands of an operator that takes a list (the server's ExpressionNary): an array is the list, anything else one operand. */
function operandList(expr: unknown): unknown[] {
  return Array.isArray(expr) ? (expr as unknown[]) : [expr];
}

/** The server's arity error for an operator of a fixed number of arguments (ExpressionFixedArity). */
function arityError(name: string, wanted: number, given: number): CommandError {
  return new CommandError(
    "Location16020",
    `Expression ${name} takes exactly ${wanted} arguments. ${given} were passed in.`,
  );
}

/** `$and`: true unless an operand is false; it stops at the first that is (ExpressionAnd). */
const $and: Operator = (obj, expr, options) =>
  operandList(expr).every((operand) => isTruthy(evalExpr(obj, operand, options)));

/** `$or`: true once an operand is true; it stops there (ExpressionOr). */
const $or: Operator = (obj, expr, options) =>
  operandList(expr).some((operand) => isTruthy(evalExpr(obj, operand, options)));

/** `$not` of exactly one operand (`{$not: x}` or `{$not: [x]}`). */
const $not: Operator = (obj, expr, options) => {
  const operands = operandList(expr);
  if (operands.length !== 1) throw arityError("$not", 1, operands.length);
  return !isTruthy(evalExpr(obj, operands[0], options));
};

const COND_PARTS: Array<["if" | "then" | "else", "Location17080" | "Location17081" | "Location17082"]> = [
  ["if", "Location17080"],
  ["then", "Location17081"],
  ["else", "Location17082"],
];

/**
 * `$cond` in its two forms, `[if, then, else]` and `{if, then, else}`, parsed as the server does
 * (ExpressionCond::parse): every part is required, no other field is taken. Only the chosen
 * branch is evaluated.
 */
const $cond: Operator = (obj, expr, options) => {
  let parts: unknown[];
  if (isPlainObject(expr)) {
    for (const key of Object.keys(expr))
      if (key !== "if" && key !== "then" && key !== "else")
        throw new CommandError("Location17083", `Unrecognized parameter to $cond: ${key}`);
    for (const [part, code] of COND_PARTS)
      if (!(part in expr)) throw new CommandError(code, `Missing '${part}' parameter to $cond`);
    parts = [expr.if, expr.then, expr.else];
  } else {
    parts = operandList(expr);
    if (parts.length !== 3) throw arityError("$cond", 3, parts.length);
  }
  return evalExpr(obj, isTruthy(evalExpr(obj, parts[0], options)) ? parts[1] : parts[2], options);
};

/** The server's checks of a `$switch` (ExpressionSwitch::parse), made before any branch runs. */
function checkedBranches(expr: unknown): Array<Record<string, unknown>> {
  if (!isPlainObject(expr))
    throw new CommandError(
      "Location40060",
      `$switch requires an object as an argument, found: ${typeName(expr)}`,
    );
  for (const key of Object.keys(expr))
    if (key !== "branches" && key !== "default")
      throw new CommandError("Location40067", `$switch found an unknown argument: ${key}`);
  const branches: unknown = expr.branches;
  if (branches !== undefined && !Array.isArray(branches))
    throw new CommandError(
      "Location40061",
      `$switch expected an array for 'branches', found: ${typeName(branches)}`,
    );
  if (branches === undefined || (branches as unknown[]).length === 0)
    throw new CommandError("Location40068", "$switch requires at least one branch.");
  for (const branch of branches as unknown[]) {
    if (!isPlainObject(branch))
      throw new CommandError(
        "Location40062",
        `$switch expected each branch to be an object, found: ${typeName(branch)}`,
      );
    for (const key of Object.keys(branch))
      if (key !== "case" && key !== "then")
        throw new CommandError("Location40063", `$switch found an unknown argument to a branch: ${key}`);
    if (!("case" in branch))
      throw new CommandError("Location40064", "$switch requires each branch have a 'case' expression");
    if (!("then" in branch))
      throw new CommandError("Location40065", "$switch requires each branch have a 'then' expression.");
  }
  return branches as Array<Record<string, unknown>>;
}

/**
 * `$switch`: the first branch whose case is true, else the default; with neither, the server's
 * error 40066 (the engine's own gave a missing value).
 */
const $switch: Operator = (obj, expr, options) => {
  const branches = checkedBranches(expr);
  for (const branch of branches)
    if (isTruthy(evalExpr(obj, branch.case, options))) return evalExpr(obj, branch.then, options);
  if ("default" in (expr as Record<string, unknown>))
    return evalExpr(obj, (expr as Record<string, unknown>).default, options);
  throw new CommandError(
    "Location40066",
    "$switch could not find a matching branch for an input, and no default was specified.",
  );
};

/**
 * `$filter` keeps the elements whose `cond` is true: the engine's own runs (it binds `as` and
 * applies `limit`), with the condition made a boolean by `$cond` above.
 */
const $filter: Operator = (obj, expr, options) => {
  if (!isPlainObject(expr) || !("cond" in expr))
    return expressionOperators.$filter(
      obj,
      expr as Parameters<typeof expressionOperators.$filter>[1],
      options,
    );
  const cond = { $cond: [expr.cond, true, false] };
  return expressionOperators.$filter(
    obj,
    { ...expr, cond } as Parameters<typeof expressionOperators.$filter>[1],
    options,
  );
};

/** `$allElementsTrue`/`$anyElementTrue` over one array operand; anything else is the engine's error. */
function elementsTrue(name: string, every: boolean, engine: Operator): Operator {
  return (obj, expr, options) => {
    const operands = operandList(expr);
    if (operands.length !== 1) throw arityError(name, 1, operands.length);
    const values = evalExpr(obj, operands[0], options) as unknown;
    if (!Array.isArray(values)) return engine(obj, expr, options);
    return every ? (values as unknown[]).every(isTruthy) : (values as unknown[]).some(isTruthy);
  };
}

/**
 * The expression operators that take a value for a condition, by the server's truthiness. The
 * engine's own `$and`/`$or`/`$cond`/… used JavaScript's (a `Long` zero true, NaN false, `$not` of
 * "" true).
 */
export const TRUTHINESS_EXPRESSIONS = {
  $and,
  $or,
  $not,
  $cond,
  $switch,
  $filter,
  $allElementsTrue: elementsTrue("$allElementsTrue", true, expressionOperators.$allElementsTrue as Operator),
  $anyElementTrue: elementsTrue("$anyElementTrue", false, expressionOperators.$anyElementTrue as Operator),
} as Record<string, Operator>;

/** `$expr` in a filter: a document matches when its expression is true by the server's truthiness. */
export const $expr: typeof queryOperators.$expr = (_selector, expr, options) => (obj) =>
  isTruthy(evalExpr(obj as AnyObject, expr, options));
