import type { Document } from "bson";
import { Aggregator } from "mingo/aggregator";
import { Context } from "mingo/core";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import * as pipelineOperators from "mingo/operators/pipeline";
import * as projectionOperators from "mingo/operators/projection";
import * as queryOperators from "mingo/operators/query";
import * as windowOperators from "mingo/operators/window";
import { Query } from "mingo/query";
import type { CollectionResolver } from "mingo/types";
import { update, type Modifier } from "mingo/updater";
import { resolve } from "mingo/util";
import { isPlainObject } from "./storage/values.js";

/** BSON type numbers of the `$type` query operator, by their string aliases. */
const TYPE_ALIASES: Record<number, string> = {
  1: "double",
  2: "string",
  3: "object",
  4: "array",
  5: "binData",
  6: "undefined",
  7: "objectId",
  8: "bool",
  9: "date",
  10: "null",
  11: "regex",
  13: "javascript",
  16: "int",
  17: "timestamp",
  18: "long",
  19: "decimal",
  [-1]: "minKey",
  127: "maxKey",
};

function bsonType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number")
    return Number.isInteger(value) && Math.abs(value) <= 0x7fffffff ? "int" : "double";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regex";
  if (isPlainObject(value)) return "object";
  const tag = (value as { _bsontype?: string })._bsontype;
  const byTag: Record<string, string> = {
    ObjectId: "objectId",
    Binary: "binData",
    Long: "long",
    Int32: "int",
    Double: "double",
    Decimal128: "decimal",
    Timestamp: "timestamp",
    BSONRegExp: "regex",
    Code: "javascript",
    MinKey: "minKey",
    MaxKey: "maxKey",
  };
  return (tag && byTag[tag]) ?? "object";
}

function typeMatches(value: unknown, wanted: unknown): boolean {
  const name = typeof wanted === "number" ? TYPE_ALIASES[wanted] : String(wanted);
  const actual = bsonType(value);
  if (name === "number") return ["int", "long", "double", "decimal"].includes(actual);
  return actual === name;
}

/**
 * `$type` with the BSON type names mingo lacks (objectId, binData, timestamp, decimal, ...).
 * An array field matches "array" itself, or any type one of its elements has.
 */
const $type: typeof queryOperators.$type = (selector, wanted) => {
  const types: unknown[] = Array.isArray(wanted) ? (wanted as unknown[]) : [wanted];
  return (doc) => {
    const value: unknown = resolve(doc as Document, selector);
    if (value === undefined) return false;
    return types.some(
      (t) =>
        typeMatches(value, t) ||
        (Array.isArray(value) && (value as unknown[]).some((item) => typeMatches(item, t))),
    );
  };
};

/** The operators the stand-in runs with: all of mingo's, with the BSON-aware `$type`. */
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: { ...queryOperators, $type },
  window: windowOperators,
});

export function newQuery(filter: Document): Query {
  return new Query(filter, { context: CONTEXT });
}

export function newAggregator(pipeline: Document[], collectionResolver?: CollectionResolver): Aggregator {
  return new Aggregator(pipeline, { context: CONTEXT, collectionResolver });
}

/** Applies update operators to `doc` in place; `condition` serves the positional `$`. */
export function applyModifier(
  doc: Document,
  modifier: Document,
  arrayFilters: Document[] | undefined,
  condition: Document | undefined,
): void {
  update(doc, modifier as Modifier<Document>, arrayFilters, condition, {
    queryOptions: { context: CONTEXT },
  });
}
