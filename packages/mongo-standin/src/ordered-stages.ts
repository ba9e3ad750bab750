import type { Document } from "bson";
import { evalExpr } from "mingo/core";
import { Lazy } from "mingo/lazy";
import * as pipelineOperators from "mingo/operators/pipeline";
import { compareBson, typeBracket } from "./bson-order.js";
import { CommandError, unsupported } from "./errors.js";
import { compareExpressionValues } from "./expression-compare.js";
import { equalityKey } from "./group-key.js";
import { sortDocuments } from "./sort-order.js";
import { isPlainObject, pathValues, type Doc } from "./storage/values.js";

type Stage = typeof pipelineOperators.$group;
type Options = Parameters<Stage>[2];

/** `$sort` in find's order (sort-order.ts): the engine's own compared strings by UTF-16 units and arrays whole. */
const $sort: typeof pipelineOperators.$sort = (collection, spec, _options) => {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0)
    throw new CommandError("BadValue", "$sort stage must have at least one sort key");
  return collection.transform((docs) => Lazy(sortDocuments(docs as Doc[], spec)));
};

/**
 * The group key of each document while the engine's `$group` runs (read by `$standinGroupKey`).
 * Held per document object, and set just before the engine groups them, so nested pipelines
 * grouping the same documents cannot see each other's keys.
 */
const GROUP_KEYS = new WeakMap<object, string>();

/** The expression the engine's `$group` groups by here: the document's key from `GROUP_KEYS`. */
const $standinGroupKey = (obj: unknown, _expr: unknown, _options: unknown): string => {
  const key = typeof obj === "object" && obj !== null ? GROUP_KEYS.get(obj) : undefined;
  if (key === undefined) throw new CommandError("BadValue", "$standinGroupKey is internal to mongo-standin");
  return key;
};

/**
 * Groups documents by the value `idOf` gives each, telling values apart by the server's equality
 * (group-key.ts), and runs the accumulators of `fields` over each group with the engine. The
 * engine's own grouping took `{x: 1, y: 2}` and `{y: 2, x: 1}` for one key. A group's `_id` is the
 * first value met of its key; null where that is missing.
 */
function groupDocuments(docs: Doc[], idOf: (doc: Doc) => unknown, fields: Document, options: Options): Doc[] {
  const ids = new Map<string, unknown>();
  for (const doc of docs) {
    const id = idOf(doc);
    const key = equalityKey(id);
    GROUP_KEYS.set(doc, key);
    if (!ids.has(key)) ids.set(key, id ?? null);
  }
  const spec = { _id: { $standinGroupKey: null }, ...fields };
  const grouped = pipelineOperators.$group(Lazy(docs), spec, options).collect() as Doc[];
  return grouped.map((group) => ({ ...group, _id: ids.get(group._id as string) }));
}

const $group: Stage = (collection, spec, options) => {
  if (!isPlainObject(spec) || !("_id" in spec))
    throw new CommandError("BadValue", "a group specification must include an _id");
  const { _id: idExpression, ...fields } = spec;
  return collection.transform((docs) =>
    Lazy(groupDocuments(docs as Doc[], (doc) => evalExpr(doc, idExpression, options), fields, options)),
  );
};

/** `$sortByCount` as the server expands it: `$group` by the expression with a count, then `$sort` by count descending. */
const $sortByCount: typeof pipelineOperators.$sortByCount = (collection, expression, options) =>
  $sort($group(collection, { _id: expression, count: { $sum: 1 } }, options), { count: -1 }, options);

/**
 * `$bucket` as the server expands it: a `$group` by the boundary below each value (by the
 * comparison expressions' order, expression-compare.ts), or the default, then a `$sort` by `_id`.
 * The engine's own compared by its order (UTF-16 strings, its type order) and put the default
 * last whatever its value.
 */
const $bucket: typeof pipelineOperators.$bucket = (collection, spec, options) => {
  const { groupBy, boundaries, output } = spec as unknown as Document;
  const hasDefault = isPlainObject(spec) && "default" in spec;
  const fallback: unknown = hasDefault ? (spec as Document).default : undefined;
  if (groupBy === undefined)
    throw new CommandError("BadValue", "$bucket requires 'groupBy' and 'boundaries'");
  if (!Array.isArray(boundaries) || boundaries.length < 2)
    throw new CommandError("BadValue", "The $bucket 'boundaries' field must have at least 2 values");
  const bounds = boundaries as unknown[];
  for (let i = 1; i < bounds.length; i += 1) {
    if (typeBracket(bounds[i]) !== typeBracket(bounds[0]))
      throw new CommandError(
        "BadValue",
        "All values in the 'boundaries' option to $bucket must have the same type",
      );
    if (compareBson(bounds[i - 1], bounds[i]) >= 0)
      throw new CommandError(
        "BadValue",
        "The 'boundaries' option to $bucket must be sorted in ascending order",
      );
  }
  if (
    hasDefault &&
    typeBracket(fallback) === typeBracket(bounds[0]) &&
    compareBson(fallback, bounds[0]) >= 0 &&
    compareBson(fallback, bounds[bounds.length - 1]) < 0
  )
    throw new CommandError(
      "BadValue",
      "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary",
    );
  const bucketOf = (doc: Doc): unknown => {
    const value = evalExpr(doc, groupBy, options);
    for (let i = 0; i + 1 < bounds.length; i += 1)
      if (compareExpressionValues(value, bounds[i]) >= 0 && compareExpressionValues(value, bounds[i + 1]) < 0)
        return bounds[i];
    if (hasDefault) return fallback;
    throw new CommandError(
      "BadValue",
      "$switch could not find a matching branch for an input, and no default was specified.",
    );
  };
  const fields = (isPlainObject(output) ? output : { count: { $sum: 1 } }) as Document;
  const grouped = collection.transform((docs) =>
    Lazy(groupDocuments(docs as Doc[], bucketOf, fields, options)),
  );
  return $sort(grouped, { _id: 1 }, options);
};

/**
 * Whether the engine's own sort and equality agree with the server's on these values: numbers
 * (not NaN), strings without UTF-16 surrogates (where UTF-16 and UTF-8 order part), booleans,
 * dates and ObjectIds, one kind per key, nulls and missing values among them.
 */
function sameKind(kinds: Set<string>, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  let kind: string;
  if (typeof value === "number" && !Number.isNaN(value)) kind = "number";
  else if (typeof value === "string" && !/[\uD800-\uDFFF]/.test(value)) kind = "string";
  else if (typeof value === "boolean") kind = "boolean";
  else if (value instanceof Date) kind = "date";
  else if ((value as { _bsontype?: string })._bsontype === "ObjectId") kind = "objectId";
  else return false;
  kinds.add(kind);
  return kinds.size === 1;
}

/** The value at a path, or `unsafe` where the path meets an array (the engine sorts arrays whole). */
function scalarAt(doc: Doc, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    if (Array.isArray(value)) return UNSAFE;
    if (!isPlainObject(value)) return undefined;
    value = value[part];
  }
  return Array.isArray(value) ? UNSAFE : value;
}
const UNSAFE = Symbol("unsafe");

/**
 * `$setWindowFields` and `$fill` sort by the engine's own `$sort` and partition by its own `$group`
 * (they do not look them up): they run only where the engine's order and equality are the
 * server's (`sameKind`); anything else is refused rather than ordered differently.
 */
function assertEngineOrderHolds(stage: string, docs: Doc[], spec: Document, options: Options): void {
  const sortBy: unknown = spec.sortBy;
  if (isPlainObject(sortBy)) {
    for (const field of Object.keys(sortBy)) {
      const kinds = new Set<string>();
      for (const doc of docs) {
        const value = scalarAt(doc, field);
        if (value === UNSAFE || !sameKind(kinds, value))
          throw unsupported(`${stage} sorting by ${field} over arrays, mixed types or strings beyond U+FFFF`);
      }
    }
  }
  const partition: unknown =
    spec.partitionBy ??
    (Array.isArray(spec.partitionByFields)
      ? (spec.partitionByFields as string[]).map((f) => `$${f}`)
      : undefined);
  if (partition === undefined) return;
  for (const doc of docs) {
    const value = evalExpr(doc, partition, options);
    const parts = Array.isArray(value) ? (value as unknown[]) : [value];
    if (!parts.every((part) => sameKind(new Set(), part)))
      throw unsupported(
        `${stage} partitioning by documents, arrays or values other than numbers, strings, booleans, dates and ObjectIds`,
      );
  }
}

function guardedWindowStage(stage: "$setWindowFields" | "$fill"): typeof pipelineOperators.$fill {
  const run = pipelineOperators[stage] as typeof pipelineOperators.$fill;
  return (collection, spec, options) =>
    collection.transform((docs) => {
      assertEngineOrderHolds(stage, docs as Doc[], spec as unknown as Document, options);
      return run(Lazy(docs), spec, options);
    });
}

/**
 * `$lookup` by `localField`/`foreignField` joins with the engine's equality, which takes
 * `{x: 1, y: 2}` for `{y: 2, x: 1}` and tells a Decimal128 from the equal double: it runs only where
 * both sides hold values on which it agrees with the server (`sameKind`, kinds mixed freely).
 */
const $lookup: typeof pipelineOperators.$lookup = (collection, spec, options) => {
  const { from, localField, foreignField } = spec as unknown as Document;
  if (typeof localField !== "string" || typeof foreignField !== "string")
    return pipelineOperators.$lookup(collection, spec, options);
  const assertJoinable = (doc: Doc, field: string): void => {
    const raw = pathValues(doc, field, EMPTY);
    if (!raw.every((value) => value !== EMPTY && sameKind(new Set(), value)))
      throw unsupported(
        "$lookup joining on documents, arrays, empty arrays or values other than numbers, strings, booleans, dates and ObjectIds",
      );
  };
  return collection.transform((docs) => {
    for (const doc of docs as Doc[]) assertJoinable(doc, localField);
    const resolver = (options as { collectionResolver?: (name: string) => unknown }).collectionResolver;
    const foreign = typeof from === "string" ? resolver?.(from) : from;
    if (Array.isArray(foreign)) for (const doc of foreign as Doc[]) assertJoinable(doc, foreignField);
    return pipelineOperators.$lookup(Lazy(docs), spec, options);
  });
};
const EMPTY = Symbol("empty array");

/**
 * The pipeline stages that order or match values, in the server's order and equality where the
 * engine's own differ, or refused where the stand-in does not model them (`$bucketAuto`,
 * `$densify` and `$graphLookup` are refused outright, query.ts).
 */
export const ORDERED_STAGES = {
  $sort,
  $group,
  $sortByCount,
  $bucket,
  $setWindowFields: guardedWindowStage(
    "$setWindowFields",
  ) as unknown as typeof pipelineOperators.$setWindowFields,
  $fill: guardedWindowStage("$fill"),
  $lookup,
};

/** Expression operators the stages above need. */
export const GROUP_KEY_EXPRESSIONS = { $standinGroupKey };
