import { Decimal128, Long, type Document } from "bson";
import { applyModifier, newAggregator, newQuery } from "./engine.js";
import { CommandError, unsupported } from "./errors.js";
import { deepClone, isPlainObject, pathValues, setPath, valueKey, type Doc } from "./storage/values.js";

/** Query operators the stand-in refuses: they need text/geo indexes or server-side JavaScript. */
const REFUSED_QUERY_OPERATORS = new Set([
  "$text",
  "$near",
  "$nearSphere",
  "$geoWithin",
  "$geoIntersects",
  "$where",
  "$within",
]);
/** Aggregation stages the stand-in refuses rather than emulating badly. */
const REFUSED_STAGES = new Set([
  "$changeStream",
  "$geoNear",
  "$search",
  "$searchMeta",
  "$vectorSearch",
  "$collStats",
  "$indexStats",
  "$currentOp",
  "$listSessions",
  "$planCacheStats",
]);
const UPDATE_OPERATORS = new Set([
  "$set",
  "$unset",
  "$inc",
  "$mul",
  "$min",
  "$max",
  "$push",
  "$addToSet",
  "$pull",
  "$pullAll",
  "$pop",
  "$rename",
  "$currentDate",
  "$bit",
  "$setOnInsert",
]);
const PIPELINE_UPDATE_STAGES = new Set([
  "$set",
  "$addFields",
  "$unset",
  "$project",
  "$replaceRoot",
  "$replaceWith",
]);
/** The engine orders Decimal128 by its string form, so ranges and sorts over it would be wrong. */
const RANGE_OPERATORS = new Set(["$gt", "$gte", "$lt", "$lte"]);
const TWO_POW_53 = Long.fromNumber(Number.MAX_SAFE_INTEGER);

/**
 * Walks a filter, pipeline or update and fails loudly on what the stand-in cannot answer
 * correctly: text/geo/`$where` operators and `Long` values beyond 2^53 (the engine compares
 * numbers as JavaScript doubles, so such comparisons would be silently wrong).
 */
export function assertSupported(value: unknown, where: string): void {
  if (value instanceof Long) {
    if (value.greaterThan(TWO_POW_53) || value.lessThan(TWO_POW_53.negate()))
      throw unsupported(`Long values beyond 2^53 in ${where}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) assertSupported(item, where);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    if (REFUSED_QUERY_OPERATORS.has(key)) throw unsupported(`the ${key} operator`);
    if (RANGE_OPERATORS.has(key) && item instanceof Decimal128)
      throw unsupported("Decimal128 range comparisons");
    assertSupported(item, where);
  }
}

/** Runs engine code, turning its errors into BadValue replies instead of crashing the command. */
function engine<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CommandError) throw error;
    const message = (error as Error).message;
    if (message.includes("immutable field '_id'")) throw new CommandError("ImmutableField", message);
    throw new CommandError("BadValue", message);
  }
}

/** Compiles a filter into a predicate. Unknown operators answer BadValue (2). */
export function compileFilter(filter: Document): (doc: Doc) => boolean {
  assertSupported(filter, "a filter");
  const query = engine(() => newQuery(filter));
  return (doc) => engine(() => query.test(doc));
}

/** Options of a find-like read after the filter. */
export interface ReadShape {
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
}

/** Sorts, skips, limits and projects already-filtered documents (MongoDB's order of operations). */
export function shape(docs: Doc[], options: ReadShape): Doc[] {
  const hasSort = options.sort && Object.keys(options.sort).length > 0;
  const hasProjection = options.projection && Object.keys(options.projection).length > 0;
  if (!hasSort && !hasProjection && !options.skip && !options.limit) return docs;
  if (hasSort) {
    const fields = Object.keys(options.sort ?? {});
    if (
      docs.some((doc) => fields.some((field) => pathValues(doc, field).some((v) => v instanceof Decimal128)))
    ) {
      throw unsupported("sorting on Decimal128 values");
    }
  }
  return engine(() => {
    let cursor = newQuery({}).find<Doc>(docs, hasProjection ? options.projection : undefined);
    if (hasSort) cursor = cursor.sort(options.sort as Record<string, 1 | -1>);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit) cursor = cursor.limit(Math.abs(options.limit));
    return cursor.all();
  });
}

/** Checks an aggregation pipeline for refused stages, operators and Decimal128 arithmetic. */
export function assertPipelineSupported(pipeline: Document[]): void {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0] ?? "";
    if (REFUSED_STAGES.has(name)) throw unsupported(`the ${name} aggregation stage`);
    if (name !== "$match" && containsDecimal(stage))
      throw unsupported("Decimal128 arithmetic in aggregation");
    assertSupported(stage, "a pipeline");
  }
}

/** Runs a pipeline over copies of the input; `resolve` serves `$lookup`/`$unionWith` collections. */
export function aggregate(docs: Doc[], pipeline: Document[], resolve: (collection: string) => Doc[]): Doc[] {
  if (pipeline.length === 0) return docs.map(deepClone);
  const computed = pipeline
    .filter((stage) => !("$match" in stage) && !("$sort" in stage))
    .flatMap((stage) => Object.values(stage).flatMap((spec) => fieldReferences(spec)));
  if (
    docs.some((doc) => computed.some((path) => pathValues(doc, path).some((v) => v instanceof Decimal128)))
  ) {
    throw unsupported("Decimal128 arithmetic in aggregation");
  }
  return engine(() =>
    newAggregator(pipeline, (name) => resolve(name).map(deepClone)).run<Doc>(docs.map(deepClone)),
  );
}

/**
 * The `"$field.path"` references a stage hands to expression operators (`{ $sum: "$fee" }`),
 * where Decimal128 values would be computed on; plain renames (`{ fee: "$fee" }`) are harmless.
 */
function fieldReferences(value: unknown, inOperator = false): string[] {
  if (typeof value === "string") {
    return inOperator && value.startsWith("$") && !value.startsWith("$$") ? [value.slice(1)] : [];
  }
  if (Array.isArray(value)) return (value as unknown[]).flatMap((item) => fieldReferences(item, inOperator));
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      fieldReferences(item, inOperator || key.startsWith("$")),
    );
  }
  return [];
}

/** What an update does to one document. */
export interface UpdateSpec {
  update: Document | Document[];
  arrayFilters?: Document[];
  /** The filter that matched, for the positional `$` operator. */
  filter: Document;
}

/**
 * Applies an update (operators, replacement or pipeline) to a copy of `doc` and returns it.
 * `$setOnInsert` only acts when the update inserts (`inserting`). Changing `_id` answers 66.
 */
export function applyUpdate(doc: Doc, spec: UpdateSpec, inserting: boolean): Doc {
  const before = deepClone(doc);
  let after: Doc;
  if (Array.isArray(spec.update)) {
    for (const stage of spec.update) {
      const name = Object.keys(stage)[0] ?? "";
      if (!PIPELINE_UPDATE_STAGES.has(name))
        throw new CommandError("BadValue", `${name} is not allowed to be used within an update`);
    }
    assertPipelineSupported(spec.update);
    after = engine(() => newAggregator(spec.update as Document[]).run<Doc>([before]))[0] ?? {};
  } else if (isReplacement(spec.update)) {
    after = { ...deepClone(spec.update) };
    if (doc._id !== undefined && after._id === undefined) after = { _id: doc._id, ...after };
  } else {
    const modifier = operatorUpdate(spec.update, doc, inserting);
    after = settleId(before, modifier);
    if (Object.keys(modifier).length > 0) {
      // The filter is only passed for the positional `$` operator: mingo also treats it as a
      // precondition, which an upsert's seed document need not meet.
      const positional =
        !inserting &&
        JSON.stringify(Object.values(modifier).map((fields) => Object.keys(fields as Document))).includes(
          ".$",
        );
      engine(() => applyModifier(after, modifier, spec.arrayFilters, positional ? spec.filter : undefined));
    }
  }
  if (doc._id !== undefined && valueKey(after._id) !== valueKey(doc._id)) {
    throw new CommandError(
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return after;
}

/** True when an update document holds no operators (a whole-document replacement). */
export function isReplacement(update: Document): boolean {
  return Object.keys(update).every((key) => !key.startsWith("$"));
}

/**
 * `$set` of `_id` is allowed when it keeps the value (connect-mongo does this on every save) or
 * gives an upserted document its `_id`; any other change answers 66 ImmutableField. The `_id`
 * is taken out of `$set` here because the engine refuses any `_id` in `$set`.
 */
function settleId(doc: Doc, modifier: Document): Doc {
  const set = modifier.$set as Document | undefined;
  if (!set || !("_id" in set)) return doc;
  const { _id: id, ...rest } = set;
  if (Object.keys(rest).length > 0) modifier.$set = rest;
  else delete modifier.$set;
  if (doc._id === undefined) return { _id: id as unknown, ...doc };
  if (valueKey(id) !== valueKey(doc._id)) {
    throw new CommandError(
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return doc;
}

function operatorUpdate(update: Document, doc: Doc, inserting: boolean): Document {
  const modifier: Document = {};
  for (const [op, fields] of Object.entries(update)) {
    if (!op.startsWith("$"))
      throw new CommandError(
        "FailedToParse",
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    if (!UPDATE_OPERATORS.has(op))
      throw new CommandError(
        "FailedToParse",
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    assertSupported(fields, "an update");
    if ((op === "$inc" || op === "$mul") && isPlainObject(fields)) {
      for (const [path, operand] of Object.entries(fields)) {
        if (operand instanceof Decimal128 || containsDecimal(getPath(doc, path)))
          throw unsupported("Decimal128 arithmetic");
      }
    }
    if (op === "$addToSet" && isPlainObject(fields)) {
      modifier.$addToSet = dedupeEach(fields);
      continue;
    }
    if (op === "$setOnInsert") {
      if (inserting) modifier.$set = { ...(modifier.$set as Document | undefined), ...(fields as Document) };
      continue;
    }
    modifier[op] =
      op === "$set" ? { ...(modifier.$set as Document | undefined), ...(fields as Document) } : fields;
  }
  return modifier;
}

/**
 * The document an upsert starts from: the filter's equality conditions (including dotted paths
 * and conditions inside `$and`), as MongoDB seeds it before applying the update.
 */
export function seedFromFilter(filter: Document): Doc {
  const seed: Record<string, unknown> = {};
  const visit = (clause: Document): void => {
    for (const [key, value] of Object.entries(clause)) {
      if (key === "$and" && Array.isArray(value)) {
        for (const part of value as Document[]) visit(part);
        continue;
      }
      if (key.startsWith("$")) continue;
      if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$"))) {
        if ("$eq" in value) setPath(seed, key, deepClone(value.$eq));
        continue;
      }
      setPath(seed, key, deepClone(value));
    }
  };
  visit(filter);
  return seed;
}

/** `$addToSet: { f: { $each: [...] } }` adds each value once, even when it repeats in `$each`. */
function dedupeEach(fields: Record<string, unknown>): Document {
  const out: Document = {};
  for (const [path, operand] of Object.entries(fields)) {
    if (isPlainObject(operand) && Array.isArray(operand.$each)) {
      const unique = new Map<string, unknown>();
      for (const value of operand.$each as unknown[])
        if (!unique.has(valueKey(value))) unique.set(valueKey(value), value);
      out[path] = { ...operand, $each: [...unique.values()] };
    } else out[path] = operand;
  }
  return out;
}

function getPath(doc: unknown, path: string): unknown {
  let value = doc;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function containsDecimal(value: unknown): boolean {
  if (value instanceof Decimal128) return true;
  if (Array.isArray(value)) return (value as unknown[]).some(containsDecimal);
  if (isPlainObject(value)) return Object.values(value).some(containsDecimal);
  return false;
}
