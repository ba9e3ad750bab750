import { Decimal128, Long, type Document } from "bson";
import { evaluateExpression, newAggregator, newQuery } from "./engine.js";
import { CommandError, unsupported } from "./errors.js";
import { fastPredicate, shapeAnswer, shapeKey, shapeTest, type ShapeTest } from "./fast-filter.js";
import { filterGuard } from "./filter-guards.js";
import { withPcrePatterns } from "./pcre.js";
import { positionalIndex } from "./positional.js";
import { sortDocuments } from "./sort-order.js";
import { parseProjection, project } from "./projection.js";
import { applyOperators, checkOperatorUpdate, checkUpdatedSize } from "./update/apply.js";
import {
  deepClone,
  isPlainObject,
  pathValues,
  valueKey,
  withPlainNumbers,
  type Doc,
} from "./storage/values.js";

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
  // These order or match values by the engine's own comparisons (UTF-16 strings, arrays element by
  // element, documents without their field order), not the server's; see ordered-stages.ts.
  "$bucketAuto",
  "$densify",
  "$graphLookup",
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
function assertSupported(value: unknown, where: string): void {
  // Scalars first: most of what a save's filter and update hold (this walk was a twentieth of the
  // stand-in's time per save, issue 17).
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) assertSupported(item, where);
    return;
  }
  if (!isPlainObject(value)) {
    if (value instanceof Long && (value.greaterThan(TWO_POW_53) || value.lessThan(TWO_POW_53.negate())))
      throw unsupported(`Long values beyond 2^53 in ${where}`);
    return;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const item = value[key];
    // Every refused name is an operator, so only `$` names are looked up.
    if (key.charCodeAt(0) === 36) {
      if (REFUSED_QUERY_OPERATORS.has(key)) throw unsupported(`the ${key} operator`);
      if (RANGE_OPERATORS.has(key) && item instanceof Decimal128)
        throw unsupported("Decimal128 range comparisons");
      // Made here, a Decimal128 would be computed on as a double by the engine ($add of
      // $toDecimal answered 2.1, not NumberDecimal("2.1")): refused like stored ones.
      if (key === "$toDecimal" || (key === "$convert" && isDecimalTarget(item)))
        throw unsupported("Decimal128 conversion");
    }
    assertSupported(item, where);
  }
}

/** Whether a `$convert` asks for a Decimal128 ("decimal", or its BSON type number 19). */
function isDecimalTarget(spec: unknown): boolean {
  const to = isPlainObject(spec) ? (spec as { to?: unknown }).to : undefined;
  return to === "decimal" || to === 19;
}

/** Runs engine code, turning its errors into BadValue replies instead of crashing the command. */
function engine<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw engineError(error);
  }
}

/** The reply an engine error becomes: BadValue (ImmutableField for `_id`); a CommandError as is. */
function engineError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = (error as Error).message;
  if (message.includes("immutable field '_id'")) return new CommandError("ImmutableField", message);
  return new CommandError("BadValue", message);
}

/** Counts compiled filters (each builds a mingo Query), so tests can check work by counting. */
export const filterWork = { compiled: 0 };

/** What every filter of one shape shares (fast-filter.ts, `shapeKey`): its guard and its test. */
interface FilterShape {
  guard: ((doc: Doc) => void) | null;
  test: ShapeTest;
}

/**
 * Shapes compiled so far. A save's filter names its answer's index (`answers.31.seq`), so there
 * are about as many shapes as questions; a full table starts over, so shapes of other filters
 * seen first cannot keep the recurring ones out.
 */
const shapes = new Map<string, FilterShape>();
const MAX_SHAPES = 1_000;

/** Compiles a filter into a predicate. Unknown operators answer BadValue (2). */
export function compileFilter(filter: Document): (doc: Doc) => boolean {
  filterWork.compiled++;
  const key = shapeKey(filter);
  let shape = key === null ? undefined : shapes.get(key);
  if (key !== null && !shape) {
    // The support check and the guard depend only on the shape (its names and operand kinds).
    assertSupported(filter, "a filter");
    shape = { guard: filterGuard(filter), test: shapeTest(filter) };
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(key, shape);
  }
  if (shape) return shaped(shape, filter);
  assertSupported(filter, "a filter");
  const guard = filterGuard(filter);
  // Plain field conditions (every save's filter) need no engine query; see fast-filter.ts.
  const fast = fastPredicate(filter, () => compileWithEngine(filter));
  if (!fast) return compileWithEngine(filter);
  if (!guard) return (doc) => engine(() => fast(doc));
  return (doc) => {
    guard(doc);
    return engine(() => fast(doc));
  };
}

/**
 * A filter's predicate from its shape: one closure per filter. A save compiles two filters per
 * statement (its own and its `$pull` condition), and the general path's closures (a fallback, a
 * bound test, a guard wrapper, and an engine wrapper per document tested) were a twentieth of the
 * bytes a save statement allocated (issue 17).
 */
function shaped(shape: FilterShape, filter: Document): (doc: Doc) => boolean {
  let slow: ((doc: Doc) => boolean) | null = null;
  return (doc) => {
    shape.guard?.(doc);
    let answer: boolean | null;
    try {
      answer = shapeAnswer(shape.test, doc, filter);
    } catch (error) {
      throw engineError(error);
    }
    // Where the shape cannot tell, the engine's predicate decides (it maps its own errors).
    return answer ?? (slow ??= compileWithEngine(filter))(doc);
  };
}

/** The engine's predicate for a filter (checked as `compileFilter` checks it). */
export function compileWithEngine(filter: Document): (doc: Doc) => boolean {
  // Regular expressions are PCRE on the server: translated or refused first (pcre.ts).
  const query = engine(() => newQuery(withPcrePatterns(filter)));
  const guard = filterGuard(filter);
  if (!guard) return (doc) => engine(() => query.test(doc));
  return (doc) => {
    guard(doc);
    return engine(() => query.test(doc));
  };
}

/** Options of a find-like read after the filter. */
interface ReadShape {
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
  /** The filter that selected the documents, for the positional `field.$` projection. */
  filter?: Document;
}

/** Sorts, skips, limits and projects already-filtered documents (MongoDB's order of operations). */
export function shape(docs: Doc[], options: ReadShape): Doc[] {
  let result = docs;
  if (options.sort && Object.keys(options.sort).length > 0) result = sortDocuments(result, options.sort);
  if (options.skip) result = result.slice(options.skip);
  if (options.limit) result = result.slice(0, Math.abs(options.limit));
  const projection = options.projection;
  if (projection && Object.keys(projection).length > 0) {
    const parsed = parseProjection(
      projection,
      (criteria) => {
        const matches = compileFilter({ element: { $elemMatch: criteria } });
        return (element) => matches({ element: [element] });
      },
      (expression, root) => engine(() => evaluateExpression(root, expression)),
    );
    const filter = options.filter ?? {};
    return result.map((doc) =>
      project(doc, parsed, (path) => positionalIndex(doc, filter, path, compileFilter)),
    );
  }
  return result;
}

/** Checks an aggregation pipeline for refused stages, operators and Decimal128 arithmetic. */
export function assertPipelineSupported(pipeline: Document[]): void {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0] ?? "";
    if (REFUSED_STAGES.has(name)) throw unsupported(`the ${name} aggregation stage`);
    if (name === "$limit" || name === "$skip") assertCountArgument(name, stage[name]);
    if (name !== "$match" && containsDecimal(stage))
      throw unsupported("Decimal128 arithmetic in aggregation");
    assertSupported(stage, "a pipeline");
  }
}

/**
 * `$limit` and `$skip` take a non-negative integer (5107201/5107200) and `$limit` a positive one
 * (15958), as the server parses them; the engine would take anything.
 */
function assertCountArgument(name: "$limit" | "$skip", value: unknown): void {
  const code = name === "$limit" ? "Location5107201" : "Location5107200";
  const shown = JSON.stringify(value) ?? String(value);
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new CommandError(code, `invalid argument to ${name} stage: Expected an integer: ${name}: ${shown}`);
  if (value < 0)
    throw new CommandError(
      code,
      `invalid argument to ${name} stage: Expected a non-negative number in: ${name}: ${shown}`,
    );
  if (name === "$limit" && value === 0) throw new CommandError("Location15958", "the limit must be positive");
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
 * `$setOnInsert` only acts when the update inserts (`inserting`). Changing `_id` answers 66; a
 * result over 16 MB answers 17419.
 */
export function applyUpdate(doc: Doc, spec: UpdateSpec, inserting: boolean): Doc {
  let after: Doc;
  const replacement = !Array.isArray(spec.update) && isReplacement(spec.update);
  if (Array.isArray(spec.update)) {
    for (const stage of spec.update) {
      const name = Object.keys(stage)[0] ?? "";
      if (!PIPELINE_UPDATE_STAGES.has(name))
        throw new CommandError("BadValue", `${name} is not allowed to be used within an update`);
    }
    assertPipelineSupported(spec.update);
    after = withPlainNumbers(
      engine(() => newAggregator(spec.update as Document[]).run<Doc>([deepClone(doc)]))[0] ?? {},
    );
  } else if (replacement) {
    after = { ...deepClone(spec.update) };
    if (doc._id !== undefined && after._id === undefined) after = { _id: doc._id, ...after };
  } else {
    assertSupported(spec.update, "an update");
    after = applyOperators(doc, {
      update: spec.update,
      filter: inserting ? {} : spec.filter,
      arrayFilters: spec.arrayFilters,
      inserting,
      compile: compileFilter,
    });
  }
  // The same value (an operator update that left `_id` alone) needs no keys built to compare.
  if (doc._id !== undefined && after._id !== doc._id && valueKey(after._id) !== valueKey(doc._id)) {
    throw new CommandError(
      "ImmutableField",
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  // Only an operator update is bounded from its own text; a replacement or pipeline is measured.
  checkUpdatedSize(after, doc, Array.isArray(spec.update) || replacement ? undefined : spec.update);
  return after;
}

/**
 * What the server checks of an update before it reads a document, for a statement whose filter
 * matched none (and that inserts nothing): a malformed update is refused all the same. A pipeline's
 * stages must be allowed in an update; an operator update is parsed (update/apply.ts).
 */
export function checkUpdateParses(spec: UpdateSpec): void {
  if (Array.isArray(spec.update)) {
    for (const stage of spec.update) {
      const name = Object.keys(stage)[0] ?? "";
      if (!PIPELINE_UPDATE_STAGES.has(name))
        throw new CommandError("BadValue", `${name} is not allowed to be used within an update`);
    }
  } else if (!isReplacement(spec.update)) {
    assertSupported(spec.update, "an update");
    checkOperatorUpdate(spec.update, spec.arrayFilters, compileFilter);
  }
}

/** True when an update document holds no operators (a whole-document replacement). */
export function isReplacement(update: Document): boolean {
  return Object.keys(update).every((key) => !key.startsWith("$"));
}

function containsDecimal(value: unknown): boolean {
  if (value instanceof Decimal128) return true;
  if (Array.isArray(value)) return (value as unknown[]).some(containsDecimal);
  if (isPlainObject(value)) return Object.values(value).some(containsDecimal);
  return false;
}
