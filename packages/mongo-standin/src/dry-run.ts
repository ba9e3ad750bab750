import type { Document } from "bson";
import type { CommandContext } from "./commands/context.js";
import { runCommand } from "./commands/registry.js";
import { MustWait } from "./transactions.js";

/**
 * Runs a command that may write several documents without changing anything (`DryRun`), and
 * returns the wait it met, if any: such a command is parked whole before its first write, and runs
 * again from the start once the transaction has ended. Any other outcome is the real run's to
 * give (it goes the same way: nothing can change between the two runs, one synchronous turn).
 */
export function dryRun(command: Document, ctx: CommandContext): MustWait | null {
  try {
    runCommand(command, ctx);
  } catch (error) {
    if (error instanceof MustWait) return error;
  }
  return null;
}

/**
 * Whether a command can write more than one document: more than one statement, an update with
 * `multi`, a delete without `limit: 1`, or an aggregate ending in `$merge` (`$out` writes all its
 * documents in one write, which waits as a whole). A single-document write needs no dry run: its
 * only write is its first.
 */
export function mayWriteMany(name: string, command: Document): boolean {
  const statements = (field: string): Document[] => {
    const value: unknown = command[field];
    return Array.isArray(value) ? (value as Document[]) : [];
  };
  switch (name) {
    case "insert":
      return statements("documents").length > 1;
    case "update": {
      const updates = statements("updates");
      return updates.length > 1 || updates.some((statement) => statement?.multi === true);
    }
    case "delete": {
      const deletes = statements("deletes");
      return deletes.length > 1 || deletes.some((statement) => Number(statement?.limit) !== 1);
    }
    case "aggregate": {
      const pipeline = statements("pipeline");
      const last = pipeline[pipeline.length - 1];
      return last !== null && typeof last === "object" && "$merge" in last;
    }
    default:
      return false;
  }
}

/**
 * The namespaces a command that `mayWriteMany` writes: its own collection, or a `$merge` stage's
 * target (`into` as a name of this database, or `{ db?, coll }`). Null when the command names them
 * in a shape its own parsing will refuse: it then fails before any write, dry run or not.
 */
export function writtenNamespaces(name: string, command: Document, db: string): string[] | null {
  const collection: unknown = Object.values(command)[0];
  if (name !== "aggregate") return typeof collection === "string" ? [`${db}.${collection}`] : null;
  const pipeline: unknown = command.pipeline;
  const last: unknown = Array.isArray(pipeline) ? pipeline[pipeline.length - 1] : undefined;
  const merge: unknown = last !== null && typeof last === "object" ? (last as Document).$merge : undefined;
  const into: unknown = merge !== null && typeof merge === "object" ? (merge as Document).into : merge;
  if (typeof into === "string") return [`${db}.${into}`];
  if (into === null || typeof into !== "object") return null;
  const target = into as Document;
  const targetDb: unknown = target.db ?? db;
  return typeof targetDb === "string" && typeof target.coll === "string"
    ? [`${targetDb}.${target.coll}`]
    : null;
}
