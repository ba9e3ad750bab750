import type { Document } from "bson";
import { evalExpr } from "mingo/core";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import { compareBson } from "./bson-order.js";
import { CommandError, unsupported } from "./errors.js";
import { equalityKey } from "./group-key.js";
import { presentValues } from "./missing-accumulators.js";
import { sortDocuments } from "./sort-order.js";
import { isPlainObject, type Doc } from "./storage/values.js";

type Accumulator = typeof accumulatorOperators.$min;

/** What an expression gives for each document of a group (a missing value as null, as the engine has it). */
function inputs(docs: unknown[], expr: unknown, options: Parameters<Accumulator>[2]): unknown[] {
  return accumulatorOperators.$push(docs as Document[], expr, options) as unknown[];
}

/** The values in MongoDB's order (bson-order.ts), null and missing left out, as `$min`/`$minN` take them. */
function ordered(values: unknown[], direction: 1 | -1): unknown[] {
  const present = values.filter((value) => value !== null && value !== undefined);
  // Stable (ES2019): of values equal in that order (1 and 1.0, -0 and 0) the first met comes first.
  return present.sort((a, b) => compareBson(a, b) * direction);
}

/**
 * The `n` of `$minN`, `$topN`… : a positive integer (the server's 5787902/5787908 in words). An
 * `n` computed from the group key is refused: the stand-in groups by a key of its own (group-key.ts).
 */
function countArgument(name: string, n: unknown): number {
  if (isPlainObject(n) || (typeof n === "string" && n.startsWith("$")))
    throw unsupported(`a computed 'n' in ${name}`);
  if (typeof n !== "number" || !Number.isInteger(n))
    throw new CommandError("BadValue", `${name} 'n' must be an integer`);
  if (n < 1) throw new CommandError("BadValue", `${name} 'n' must be greater than 0, found ${n}`);
  return n;
}

/** `$min`/`$max` of a group (or of an expression's array): the extreme by BSON order, nulls ignored; null if none. */
function extreme(direction: 1 | -1): Accumulator {
  return (docs, expr, options) => ordered(inputs(docs, expr, options), direction)[0] ?? null;
}

/** `$minN`/`$maxN` of a group: the n extremes, nulls ignored. */
function extremes(name: string, direction: 1 | -1): typeof accumulatorOperators.$minN {
  return (docs, expr, options) => {
    const spec = expr as { input?: unknown; n?: unknown };
    const n = countArgument(name, spec.n);
    return ordered(inputs(docs, spec.input, options), direction).slice(0, n) as Array<NonNullable<unknown>>;
  };
}

/** `$top`, `$topN`, `$bottom`, `$bottomN`: the first or last documents in `sortBy` order, as `$sort` orders them. */
function picked(
  name: string,
  end: "top" | "bottom",
  single: boolean,
): (...args: Parameters<typeof accumulatorOperators.$topN>) => unknown {
  return (docs, expr, options) => {
    const spec = expr as unknown as { sortBy?: unknown; output?: unknown; n?: unknown };
    if (!isPlainObject(spec.sortBy)) throw new CommandError("BadValue", `${name} requires a sortBy document`);
    if (!("output" in spec)) throw new CommandError("BadValue", `${name} requires an output`);
    const n = single ? 1 : countArgument(name, spec.n);
    const sorted = sortDocuments(docs as Doc[], spec.sortBy);
    const chosen = end === "top" ? sorted.slice(0, n) : sorted.slice(Math.max(0, sorted.length - n));
    const values = inputs(chosen, spec.output, options);
    return single ? (values[0] ?? null) : values;
  };
}

/**
 * `$addToSet`: the distinct present values by the server's equality (group-key.ts); the engine's
 * own took `{x: 1, y: 2}` and `{y: 2, x: 1}` for one value and kept a missing value as null.
 */
const $addToSet: typeof accumulatorOperators.$addToSet = (docs, expr, options) => {
  const seen = new Map<string, unknown>();
  for (const value of presentValues(docs, expr, options)) {
    const key = equalityKey(value);
    if (!seen.has(key)) seen.set(key, value);
  }
  return [...seen.values()];
};

type Loose = (obj: unknown, expr: unknown, options: unknown) => unknown;

/**
 * `$firstN`/`$lastN` (accumulator and expression alike) with an `n` that does not depend on the group
 * key: the engine evaluates `n` against the group's key, which here is the stand-in's own
 * (ordered-stages.ts), so a computed `n` is refused.
 */
function fixedCount<T>(name: string, run: T): T {
  const checked: Loose = (obj, expr, options) => {
    if (Array.isArray(obj) && isPlainObject(expr)) countArgument(name, expr.n);
    return (run as unknown as Loose)(obj, expr, options);
  };
  return checked as unknown as T;
}

/** `$accumulator`'s `initArgs` are evaluated against the group key, which here is the stand-in's own. */
const $accumulator: typeof accumulatorOperators.$accumulator = (docs, expr, options) => {
  if (isPlainObject(expr) && expr.initArgs !== undefined) throw unsupported("$accumulator with initArgs");
  return accumulatorOperators.$accumulator(docs, expr, options);
};

/**
 * The accumulators that order or compare values, in the server's order (bson-order.ts) where the
 * engine's own differ (strings by UTF-16 units rather than UTF-8 bytes, arrays element by element
 * in `$sort`, its own type order).
 */
export const ORDERED_ACCUMULATORS = {
  $min: extreme(1),
  $max: extreme(-1),
  $minN: extremes("$minN", 1),
  $maxN: extremes("$maxN", -1),
  $top: picked("$top", "top", true) as typeof accumulatorOperators.$top,
  $topN: picked("$topN", "top", false) as typeof accumulatorOperators.$topN,
  $bottom: picked("$bottom", "bottom", true) as typeof accumulatorOperators.$bottom,
  $bottomN: picked("$bottomN", "bottom", false) as typeof accumulatorOperators.$bottomN,
  $addToSet,
  $firstN: fixedCount("$firstN", accumulatorOperators.$firstN),
  $lastN: fixedCount("$lastN", accumulatorOperators.$lastN),
  $accumulator,
};

/**
 * The expression forms of `$minN`/`$maxN` (`{$maxN: {input: "$scores", n: 2}}`), which the engine
 * also runs for the accumulators of the same name (an expression operator is looked up first).
 */
function extremesExpression(name: "$minN" | "$maxN", direction: 1 | -1): typeof expressionOperators.$minN {
  const accumulate = extremes(name, direction);
  return (obj, expr, options) => {
    if (Array.isArray(obj)) return accumulate(obj as Document[], expr as never, options);
    if (!isPlainObject(expr) || !("input" in expr) || !("n" in expr))
      throw new CommandError("BadValue", `${name} requires an object with 'input' and 'n'`);
    const n = countArgument(name, evalExpr(obj, expr.n, options));
    const input = evalExpr(obj, expr.input, options);
    if (input === null || input === undefined) return null;
    if (!Array.isArray(input)) throw new CommandError("BadValue", `${name} requires an array 'input'`);
    return ordered(input as unknown[], direction).slice(0, n);
  };
}

/** The expression operators the engine also runs for the `n` accumulators of the same name. */
export const ORDERED_EXTREMES_EXPRESSIONS = {
  $minN: extremesExpression("$minN", 1),
  $maxN: extremesExpression("$maxN", -1),
  $firstN: fixedCount("$firstN", expressionOperators.$firstN),
  $lastN: fixedCount("$lastN", expressionOperators.$lastN),
};
