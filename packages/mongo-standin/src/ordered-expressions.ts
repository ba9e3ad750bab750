import { evalExpr } from "mingo/core";
import * as expressionOperators from "mingo/operators/expression";
import { compareBson } from "./bson-order.js";
import { unsupported } from "./errors.js";
import { compareExpressionValues } from "./expression-compare.js";
import { sortDocuments } from "./sort-order.js";
import { isPlainObject, type Doc } from "./storage/values.js";

type Operator = typeof expressionOperators.$in;

/** The evaluated arguments as literals, so that the engine's operator does not evaluate them again. */
const literals = (values: unknown[]): unknown[] => values.map((value) => ({ $literal: value }));

/**
 * `$in` by the comparison expressions' equality (expression-compare.ts): the engine's took
 * `{x: 1, y: 2}` for `{y: 2, x: 1}`. Malformed arguments are left to the engine's checks.
 */
const $in: Operator = (obj, expr, options) => {
  const args = evalExpr(obj, expr, options) as unknown;
  if (!Array.isArray(args) || args.length !== 2 || !Array.isArray(args[1]))
    return expressionOperators.$in(obj, Array.isArray(args) ? literals(args) : expr, options);
  const [item, list] = args as [unknown, unknown[]];
  return list.some((value) => compareExpressionValues(value, item) === 0);
};

/** `$indexOfArray` by the same equality as `$in`. */
const $indexOfArray: typeof expressionOperators.$indexOfArray = (obj, expr, options) => {
  const args = evalExpr(obj, expr, options) as unknown;
  const engine = (): number | null =>
    expressionOperators.$indexOfArray(obj, Array.isArray(args) ? literals(args) : expr, options);
  if (!Array.isArray(args) || !Array.isArray(args[0])) return engine();
  const [list, search, start, end] = args as [unknown[], unknown, unknown, unknown];
  const from = start ?? 0;
  const to = end ?? list.length;
  if (!Number.isInteger(from) || !Number.isInteger(to) || (from as number) < 0 || (to as number) < 0)
    return engine();
  for (let i = from as number; i < Math.min(to as number, list.length); i += 1)
    if (compareExpressionValues(list[i], search) === 0) return i;
  return -1;
};

/**
 * `$sortArray` in the server's order: `sortBy: 1/-1` orders whole values (bson-order.ts), a sort
 * document orders documents as `$sort` does. Other elements under a sort document are refused.
 */
const $sortArray: typeof expressionOperators.$sortArray = (obj, expr, options) => {
  if (!isPlainObject(expr)) return expressionOperators.$sortArray(obj, expr, options);
  const input = evalExpr(obj, expr.input, options);
  const sortBy = expr.sortBy;
  if (!Array.isArray(input) || (sortBy !== 1 && sortBy !== -1 && !isPlainObject(sortBy)))
    return expressionOperators.$sortArray(
      obj,
      { input: { $literal: input } as unknown as unknown[], sortBy },
      options,
    );
  const values = input as unknown[];
  if (isPlainObject(sortBy)) {
    if (!values.every(isPlainObject))
      throw unsupported("$sortArray by fields over elements that are not documents");
    return sortDocuments(values as Doc[], sortBy);
  }
  // A copy (the input stays as it was), sorted stably (ES2019): equal values keep their order.
  return [...values].sort((a, b) => compareBson(a, b) * sortBy);
};

/** Set elements on which the engine's equality is the server's: no documents, arrays, decimals… */
function plainElement(value: unknown): boolean {
  if (value === null || ["number", "string", "boolean"].includes(typeof value)) return true;
  return value instanceof Date || (value as { _bsontype?: string })._bsontype === "ObjectId";
}

/**
 * The set expressions compare elements by the engine's equality: they run where it is the
 * server's (`plainElement`) and refuse documents, arrays and other BSON types as elements.
 */
function guardedSet(name: string, run: Operator): Operator {
  return (obj, expr, options) => {
    const args = evalExpr(obj, expr, options) as unknown;
    const lists = Array.isArray(expr) ? (args as unknown[]) : [args];
    for (const list of lists)
      if (Array.isArray(list) && !(list as unknown[]).every(plainElement))
        throw unsupported(
          `${name} over documents, arrays or values other than numbers, strings, booleans, dates and ObjectIds`,
        );
    return run(
      obj,
      (Array.isArray(expr) ? literals(args as unknown[]) : { $literal: args }) as unknown[],
      options,
    );
  };
}

/** The expression operators that compare or order values, in the server's order or refused. */
export const ORDERED_EXPRESSIONS = {
  $in,
  $indexOfArray,
  $sortArray,
  $setUnion: guardedSet("$setUnion", expressionOperators.$setUnion as Operator),
  $setIntersection: guardedSet("$setIntersection", expressionOperators.$setIntersection as Operator),
  $setDifference: guardedSet("$setDifference", expressionOperators.$setDifference as Operator),
  $setEquals: guardedSet("$setEquals", expressionOperators.$setEquals as Operator),
  $setIsSubset: guardedSet("$setIsSubset", expressionOperators.$setIsSubset as Operator),
};
