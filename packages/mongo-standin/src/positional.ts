import type { Document } from "bson";
import { isPlainObject, type Doc } from "./storage/values.js";

/** Compiles a filter into a predicate (injected, so this module does not import the query layer). */
export type FilterCompiler = (filter: Document) => (doc: Doc) => boolean;

/**
 * The filter's conditions on an array path: top-level keys (and keys inside `$and`) equal to the
 * path or below it. MongoDB's positional `$` refers to the element these conditions matched.
 */
function conditionsOn(filter: Document, arrayPath: string): Document[] {
  const found: Document[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" && Array.isArray(value)) {
      for (const part of value as unknown[])
        if (isPlainObject(part)) found.push(...conditionsOn(part, arrayPath));
    } else if (key === arrayPath || key.startsWith(`${arrayPath}.`)) {
      const positive = withoutNegations(value);
      if (positive !== undefined) found.push({ [key]: positive });
    }
  }
  return found;
}

/** Operators that match by what an array does not hold, so they record no element's position. */
const NEGATIONS = new Set(["$ne", "$nin", "$not"]);

/**
 * A condition without its negations, or undefined when nothing else is left: on the server only
 * a positive condition records the element the positional `$` refers to.
 */
function withoutNegations(condition: unknown): unknown {
  if (!isPlainObject(condition)) return condition;
  const keys = Object.keys(condition);
  if (!keys.some((key) => NEGATIONS.has(key))) return condition;
  const kept = Object.fromEntries(Object.entries(condition).filter(([key]) => !NEGATIONS.has(key)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** A shallow copy of `doc` whose value at `path` is `value` (objects on the way are copied). */
function withValueAt(doc: unknown, parts: string[], value: unknown): unknown {
  if (parts.length === 0) return value;
  if (!isPlainObject(doc)) return doc;
  const [head = "", ...rest] = parts;
  return { ...doc, [head]: withValueAt(doc[head], rest, value) };
}

function valueAt(doc: unknown, parts: string[]): unknown {
  let value = doc;
  for (const part of parts) {
    if (Array.isArray(value) && /^\d+$/.test(part)) value = (value as unknown[])[Number(part)];
    else if (isPlainObject(value)) value = value[part];
    else return undefined;
  }
  return value;
}

/**
 * The index of the first element of the array at `arrayPath` that the filter's conditions on that
 * path match, or null when the filter says nothing about the array or no element matches.
 */
export function positionalIndex(
  doc: Doc,
  filter: Document,
  arrayPath: string,
  compile: FilterCompiler,
): number | null {
  const parts = arrayPath.split(".");
  const array = valueAt(doc, parts);
  if (!Array.isArray(array)) return null;
  const conditions = conditionsOn(filter, arrayPath);
  if (conditions.length === 0) return null;
  const matches = compile({ $and: conditions });
  for (let i = 0; i < array.length; i += 1) {
    if (matches(withValueAt(doc, parts, [(array as unknown[])[i]]) as Doc)) return i;
  }
  return null;
}
