import type { Document } from "bson";
import { CommandError } from "../errors.js";
import { aggregate as runPipeline, assertPipelineSupported } from "../query.js";
import { idIndexSpec, Index } from "../indexes.js";
import type { Change } from "../storage/collection.js";
import { deepClone, isPlainObject, valueKey, withId, withPlainNumbers, type Doc } from "../storage/values.js";
import type { CommandContext, Handler } from "./context.js";
import { explainReply } from "./diagnostics.js";
import { parseMergeSpec, runMerge } from "./merge-stage.js";
import { findHinted } from "./plan.js";

const ID_INDEX = new Index(idIndexSpec());

/**
 * `aggregate` over one collection (or `aggregate: 1` for collection-less pipelines such as
 * `$documents`). A leading `$match` is answered through `find`, so it uses indexes; `$lookup`
 * and `$unionWith` read other collections of the same database; a final `$out` or `$merge`
 * writes into the store through the normal write path (unique indexes apply). As on the server,
 * `$out` replaces the target all or nothing, while a failing `$merge` keeps the writes it already
 * made (merge-stage.ts); `$out`/`$merge` are refused inside a transaction and anywhere but last.
 */
const aggregate: Handler = (command, ctx) => {
  if (command.explain === true) {
    const { explain: _explain, ...inner } = command;
    return explainReply(inner, "queryPlanner", ctx);
  }
  const pipeline = [...((command.pipeline as Document[] | undefined) ?? [])];
  assertOutputPlacement(pipeline, null);
  assertPipelineSupported(pipeline);
  const collectionName = command.aggregate;
  const ns = typeof collectionName === "string" ? `${ctx.db}.${collectionName}` : `${ctx.db}.$cmd.aggregate`;
  const last = pipeline[pipeline.length - 1];
  const output = last && ("$out" in last || "$merge" in last) ? pipeline.pop() : undefined;
  if (output && ctx.txn)
    throw new CommandError(
      "OperationNotSupportedInTransaction",
      `Stage not supported inside of a multi-document transaction: ${Object.keys(output)[0]}`,
    );
  // The server parses the whole pipeline before it reads a document.
  const merge = output && "$merge" in output ? parseMergeSpec(output.$merge, ctx) : null;
  let input: Doc[] = [];
  if (typeof collectionName === "string") {
    const first = pipeline[0];
    const match = first && "$match" in first ? (pipeline.shift()?.$match as Document) : {};
    input = findHinted(ns, match, command.hint, ctx);
  }
  const results = runPipeline(input, pipeline, (name) => ctx.access.find(`${ctx.db}.${name}`, {}));
  if (output) {
    if (merge) runMerge(merge, results, ctx);
    else writeOut(output.$out, results, ctx);
    return { cursor: ctx.cursors.first(ns, [], 0) };
  }
  const batchSize = (command.cursor as Document | undefined)?.batchSize;
  return { cursor: ctx.cursors.first(ns, results, batchSize) };
};

function targetNs(target: unknown, ctx: CommandContext): string {
  if (typeof target === "string") return `${ctx.db}.${target}`;
  const spec = target as { db?: string; coll?: string };
  if (!spec.coll) throw new CommandError("BadValue", "$out/$merge needs a target collection");
  return `${spec.db ?? ctx.db}.${spec.coll}`;
}

/**
 * `$out`: the target's documents are replaced by the results (its indexes stay). The server
 * fills a temporary collection and renames it over the target, so a failure (a duplicate `_id`
 * or unique key) leaves the target as it was and an empty result still creates it: here one
 * atomic store write of every delete and insert does the same.
 */
function writeOut(target: unknown, results: Doc[], ctx: CommandContext): void {
  const ns = targetNs(target, ctx);
  const changes = new Map<string, Change>();
  for (const doc of ctx.access.find(ns, {}))
    changes.set(valueKey(doc._id), { id: valueKey(doc._id), doc: null });
  const written = new Set<string>();
  for (const result of results) {
    const doc = withId(withPlainNumbers(deepClone(result)));
    if (Array.isArray(doc._id)) throw new CommandError("BadValue", "can't use an array for _id");
    const id = valueKey(doc._id);
    if (written.has(id)) throw ID_INDEX.duplicateError(ns, [doc._id]);
    written.add(id);
    changes.set(id, { id, doc });
  }
  ctx.access.write(ns, [...changes.values()]);
  ctx.store.ensure(ns);
}

const OUTPUT_STAGES = new Set(["$out", "$merge"]);
/** Where a sub-pipeline sits, and the server's error for an output stage inside it. */
const NESTED_REFUSALS: Record<
  string,
  [code: "Location40600" | "Location51047" | "Location31441", text: string]
> = {
  $facet: ["Location40600", "is not allowed to be used within a $facet stage"],
  $lookup: ["Location51047", "is not allowed within a $lookup's sub-pipeline"],
  $unionWith: ["Location31441", "is not allowed within a $unionWith's sub-pipeline"],
};

/**
 * `$out`/`$merge` only as the last stage of the outer pipeline (40601), never in a sub-pipeline.
 * The engine has stages of those names of its own that would write into nothing, so a misplaced
 * one must fail here rather than reach it.
 */
function assertOutputPlacement(pipeline: Document[], within: string | null): void {
  pipeline.forEach((stage, i) => {
    const name = Object.keys(stage)[0] ?? "";
    if (OUTPUT_STAGES.has(name)) {
      const refusal = within ? NESTED_REFUSALS[within] : undefined;
      if (refusal) throw new CommandError(refusal[0], `${name} ${refusal[1]}`);
      if (i !== pipeline.length - 1)
        throw new CommandError("Location40601", `${name} can only be the final stage in the pipeline`);
    }
    const spec: unknown = stage[name];
    if (name === "$facet" && isPlainObject(spec))
      for (const sub of Object.values(spec))
        if (Array.isArray(sub)) assertOutputPlacement(sub as Document[], name);
    if ((name === "$lookup" || name === "$unionWith") && isPlainObject(spec) && Array.isArray(spec.pipeline))
      assertOutputPlacement(spec.pipeline as Document[], name);
  });
}

/** Aggregation commands. */
export const aggregateCommands: Record<string, Handler> = { aggregate };
