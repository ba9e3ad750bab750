import type { Document } from "bson";
import { unsupported } from "../errors.js";
import { isPlainObject } from "../storage/values.js";

/**
 * Refuses every collation but "simple": the stand-in compares strings by their bytes (the simple
 * collation), so any other locale or strength would change what matches, what is a duplicate and
 * how results sort. A command carries one at its top (find, aggregate, count, distinct,
 * findAndModify, create), per statement (update, delete), per index (createIndexes), or inside the
 * command it explains.
 */
export function assertSimpleCollations(command: Document): void {
  check(command.collation);
  for (const field of ["updates", "deletes", "indexes"]) {
    const entries: unknown = command[field];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries as unknown[]) if (isPlainObject(entry)) check(entry.collation);
  }
  if (isPlainObject(command.explain)) assertSimpleCollations(command.explain);
}

function check(collation: unknown): void {
  if (collation === undefined || collation === null) return;
  if (isPlainObject(collation) && collation.locale === "simple") return;
  throw unsupported(
    `collation ${JSON.stringify(collation)} (only the simple collation compares as the stand-in does)`,
  );
}
