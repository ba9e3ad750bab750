import type { Document } from "bson";
import { isPlainObject, putData } from "./storage/values.js";

/**
 * `$$NOW` is one value for a whole command on the server (every statement, stage and document of
 * it). The engine reads the clock lazily for each evaluation (its ComputeOptions.now, and a fresh
 * one per document a filter or stage tests), and takes no time from its options, so `$$NOW` is
 * replaced here, before the engine sees an expression, by `{$literal: <the command's time>}`.
 *
 * The time is taken when a command starts (`atCommandTime`, around every command; commands run
 * in one synchronous turn). Outside a command (the TTL monitor…) each filter or pipeline built
 * takes the clock once.
 */
let commandTime: Date | null = null;

/** Runs one command with its `$$NOW` fixed; a command run inside another keeps the outer time. */
export function atCommandTime<T>(run: () => T): T {
  if (commandTime !== null) return run();
  commandTime = new Date();
  try {
    return run();
  } finally {
    commandTime = null;
  }
}

function now(): Date {
  return commandTime ?? new Date();
}

/** An aggregation expression with `$$NOW` fixed (returns the expression itself when it holds none). */
export function expressionAtCommandTime(expression: unknown): unknown {
  return fixExpression(expression, now());
}

/** A filter with `$$NOW` fixed in its `$expr` parts (elsewhere `"$$NOW"` is a string compared as one). */
export function filterAtCommandTime(filter: Document): Document {
  return fixFilter(filter, now());
}

/** A pipeline with `$$NOW` fixed in every stage's expressions, sub-pipelines included. */
export function pipelineAtCommandTime(pipeline: Document[]): Document[] {
  return fixPipeline(pipeline, now());
}

function fixExpression(value: unknown, time: Date): unknown {
  if (typeof value === "string") {
    if (value === "$$NOW") return { $literal: time };
    // A field of a date is missing, whatever the time.
    if (value.startsWith("$$NOW.")) return "$$REMOVE";
    return value;
  }
  if (Array.isArray(value))
    return sameOrNew(
      value,
      (value as unknown[]).map((item) => fixExpression(item, time)),
    );
  if (!isPlainObject(value)) return value;
  // A literal is a value, never evaluated.
  if ("$literal" in value && Object.keys(value).length === 1) return value;
  return fixFields(value, (_key, item) => fixExpression(item, time));
}

function fixFilter(filter: Document, time: Date): Document {
  return fixFields(filter, (key, value) => {
    if (key === "$expr") return fixExpression(value, time);
    if ((key === "$and" || key === "$or" || key === "$nor") && Array.isArray(value))
      return sameOrNew(
        value as unknown[],
        (value as unknown[]).map((clause) => (isPlainObject(clause) ? fixFilter(clause, time) : clause)),
      );
    return value;
  });
}

/** Stages whose fields are not all expressions: their own walk, or none ($sort, $limit…). */
const STAGE_WALKS: Record<string, ((spec: unknown, time: Date) => unknown) | null> = {
  $match: (spec, time) => (isPlainObject(spec) ? fixFilter(spec, time) : spec),
  $facet: (spec, time) =>
    isPlainObject(spec)
      ? fixFields(spec, (_key, pipeline) =>
          Array.isArray(pipeline) ? fixPipeline(pipeline as Document[], time) : pipeline,
        )
      : spec,
  $lookup: (spec, time) => subPipeline(spec, time, ["let"]),
  $unionWith: (spec, time) => subPipeline(spec, time, []),
  // Its boundaries and default are constants.
  $bucket: (spec, time) =>
    isPlainObject(spec)
      ? fixFields(spec, (key, value) =>
          key === "groupBy" || key === "output" ? fixExpression(value, time) : value,
        )
      : spec,
  $merge: (spec, time) => subPipeline(spec, time, ["let"], "whenMatched"),
  $sort: null,
  $limit: null,
  $skip: null,
  $count: null,
  $sample: null,
  $unwind: null,
  $out: null,
};

function fixPipeline(pipeline: Document[], time: Date): Document[] {
  return sameOrNew(
    pipeline,
    pipeline.map((stage) => {
      if (!isPlainObject(stage)) return stage;
      return fixFields(stage, (name, spec) => {
        const walk = Object.hasOwn(STAGE_WALKS, name) ? STAGE_WALKS[name] : undefined;
        if (walk === null) return spec;
        return walk ? walk(spec, time) : fixExpression(spec, time);
      });
    }),
  );
}

/** A `$lookup`/`$unionWith`/`$merge` spec: its `pipeline` (or `pipelineField`) and expression fields. */
function subPipeline(spec: unknown, time: Date, expressions: string[], pipelineField = "pipeline"): unknown {
  if (!isPlainObject(spec)) return spec;
  return fixFields(spec, (key, value) => {
    if (key === pipelineField && Array.isArray(value)) return fixPipeline(value as Document[], time);
    return expressions.includes(key) ? fixExpression(value, time) : value;
  });
}

/** The object with each field passed through `fix`; the object itself when no field changed. */
function fixFields<T extends Record<string, unknown>>(
  object: T,
  fix: (key: string, value: unknown) => unknown,
): T {
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(object)) {
    const value = object[key];
    const fixed = fix(key, value);
    if (fixed !== value && out === null) {
      out = {};
      for (const earlier of Object.keys(object)) {
        if (earlier === key) break;
        putData(out, earlier, object[earlier]);
      }
    }
    if (out !== null) putData(out, key, fixed);
  }
  return (out ?? object) as T;
}

function sameOrNew<T>(original: T[], mapped: T[]): T[] {
  return mapped.every((item, i) => item === original[i]) ? original : mapped;
}
