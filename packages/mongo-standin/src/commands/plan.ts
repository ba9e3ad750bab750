import type { Document } from "bson";
import { CommandError } from "../errors.js";
import type { Index } from "../indexes.js";
import type { Doc } from "../storage/values.js";
import type { CommandContext } from "./context.js";

/**
 * The index a `hint` names, by name or by key pattern, as the server resolves it. A hint naming no
 * index of an existing collection answers 2 BadValue; `{$natural: ±1}` is a collection scan; a
 * collection that does not exist has no indexes to check (the server returns nothing there).
 */
function hintedIndex(ns: string, hint: unknown, ctx: CommandContext): Index | null {
  if (hint === undefined || hint === null) return null;
  if (typeof hint === "string" && hint === "") return null;
  const collection = ctx.store.collection(ns);
  if (!collection) return null;
  if (typeof hint === "object" && !Array.isArray(hint) && "$natural" in (hint as Document)) return null;
  const wanted = typeof hint === "string" ? null : JSON.stringify(Object.entries(hint as Document));
  if (typeof hint !== "string" && (typeof hint !== "object" || Array.isArray(hint)))
    throw new CommandError("FailedToParse", "hint must be a string or an object");
  const index = collection.indexes.find((candidate) =>
    typeof hint === "string"
      ? candidate.name === hint
      : JSON.stringify(Object.entries(candidate.spec.key)) === wanted,
  );
  if (!index)
    throw new CommandError(
      "BadValue",
      "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index",
    );
  return index;
}

/**
 * Honours a hinted sparse or partial index the way the server does: the scan only sees the
 * documents that index holds (a full index changes nothing but speed).
 */
function throughHint(docs: Doc[], index: Index | null): Doc[] {
  if (!index || !(index.spec.sparse || index.spec.partialFilterExpression)) return docs;
  return docs.filter((doc) => index.keysFor(doc).length > 0);
}

/** The documents of `ns` a filter selects, checked against and narrowed by the command's hint. */
export function findHinted(ns: string, filter: Document, hint: unknown, ctx: CommandContext): Doc[] {
  const index = hintedIndex(ns, hint, ctx);
  return throughHint(ctx.access.find(ns, filter), index);
}

/** The `winningPlan` an explain reports for a filter over `ns`: the index used, or a scan. */
export function winningPlan(ns: string, filter: Document, hint: unknown, ctx: CommandContext): Document {
  const hinted = hintedIndex(ns, hint, ctx);
  const collection = ctx.store.collection(ns);
  if (!collection) return { stage: "EOF" };
  const indexes = hinted ? [hinted] : (collection.plans(filter)?.map((plan) => plan.index) ?? []);
  const [first] = indexes;
  if (!first) return { stage: "COLLSCAN", filter, direction: "forward" };
  // A top-level $or answered clause by clause: the server's OR stage over one index scan each.
  const inputStage = indexes.length === 1 ? ixscan(first) : { stage: "OR", inputStages: indexes.map(ixscan) };
  return { stage: "FETCH", filter, inputStage };
}

function ixscan(index: Index): Document {
  return {
    stage: "IXSCAN",
    keyPattern: index.spec.key,
    indexName: index.name,
    isMultiKey: false,
    isUnique: index.unique,
    isSparse: index.spec.sparse === true,
    isPartial: index.spec.partialFilterExpression !== undefined,
    indexVersion: 2,
    direction: "forward",
  };
}
