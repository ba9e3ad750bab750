import type { Document } from "bson";
import { CommandError, unsupported } from "../errors.js";
import { aggregate as runPipeline, assertPipelineSupported } from "../query.js";
import { deepClone, valueKey, withId, withPlainNumbers, type Doc } from "../storage/values.js";
import type { CommandContext, Handler } from "./context.js";
import { explainReply } from "./diagnostics.js";
import { findHinted } from "./plan.js";
import { insertOne } from "./write.js";

/**
 * `aggregate` over one collection (or `aggregate: 1` for collection-less pipelines such as
 * `$documents`). A leading `$match` is answered through `find`, so it uses indexes; `$lookup`
 * and `$unionWith` read other collections of the same database; a final `$out` or `$merge`
 * writes into the store through the normal write path (unique indexes apply).
 */
const aggregate: Handler = (command, ctx) => {
  if (command.explain === true) {
    const { explain: _explain, ...inner } = command;
    return explainReply(inner, "queryPlanner", ctx);
  }
  const pipeline = [...((command.pipeline as Document[] | undefined) ?? [])];
  assertPipelineSupported(pipeline);
  const collectionName = command.aggregate;
  const ns = typeof collectionName === "string" ? `${ctx.db}.${collectionName}` : `${ctx.db}.$cmd.aggregate`;
  const last = pipeline[pipeline.length - 1];
  const output = last && ("$out" in last || "$merge" in last) ? pipeline.pop() : undefined;
  let input: Doc[] = [];
  if (typeof collectionName === "string") {
    const first = pipeline[0];
    const match = first && "$match" in first ? (pipeline.shift()?.$match as Document) : {};
    input = findHinted(ns, match, command.hint, ctx);
  }
  const results = runPipeline(input, pipeline, (name) => ctx.access.find(`${ctx.db}.${name}`, {}));
  if (output) {
    if ("$out" in output) writeOut(output.$out, results, ctx);
    else mergeInto(output.$merge as Document, results, ctx);
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

/** `$out`: the target's documents are replaced by the results (its indexes stay). */
function writeOut(target: unknown, results: Doc[], ctx: CommandContext): void {
  const ns = targetNs(target, ctx);
  const existing = ctx.access.find(ns, {});
  ctx.access.write(
    ns,
    existing.map((doc) => ({ id: valueKey(doc._id), doc: null })),
  );
  for (const doc of results) insertOne(ns, withPlainNumbers(deepClone(doc)), ctx);
}

/** `$merge` with the string forms of `whenMatched` and `whenNotMatched`. */
function mergeInto(spec: Document, results: Doc[], ctx: CommandContext): void {
  const ns = targetNs(spec.into, ctx);
  const on = typeof spec.on === "string" ? [spec.on] : ((spec.on as string[] | undefined) ?? ["_id"]);
  const whenMatched = spec.whenMatched ?? "merge";
  const whenNotMatched = spec.whenNotMatched ?? "insert";
  if (typeof whenMatched !== "string") throw unsupported("$merge with a pipeline in whenMatched");
  for (const result of results) {
    const doc = withId(withPlainNumbers(deepClone(result)));
    const filter: Document = {};
    for (const field of on) filter[field] = doc[field] ?? null;
    const existing = ctx.access.find(ns, filter)[0];
    if (!existing) {
      if (whenNotMatched === "fail")
        throw new CommandError(
          "BadValue",
          "$merge could not find a matching document in the target collection",
        );
      if (whenNotMatched === "insert") insertOne(ns, doc, ctx);
      continue;
    }
    if (whenMatched === "fail")
      throw new CommandError(
        "DuplicateKey",
        `$merge found an existing document for ${JSON.stringify(filter)}`,
      );
    if (whenMatched === "keepExisting") continue;
    const merged =
      whenMatched === "replace"
        ? { ...doc, _id: existing._id }
        : { ...deepClone(existing), ...doc, _id: existing._id };
    ctx.access.write(ns, [{ id: valueKey(existing._id), doc: merged }]);
  }
}

/** Aggregation commands. */
export const aggregateCommands: Record<string, Handler> = { aggregate };
