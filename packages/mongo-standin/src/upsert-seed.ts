import type { Document } from "bson";
import { bsonEquals } from "./bson-order.js";
import { CommandError } from "./errors.js";
import { isRegex } from "./pcre.js";
import { deepClone, isPlainObject, setPath, type Doc } from "./storage/values.js";

/** One equality the filter pins: a path and the value an upsert seeds there. */
interface Equality {
  path: string;
  value: unknown;
}

/**
 * The document an upsert starts from, as the server builds it (update_driver.cpp,
 * `populateDocumentWithQueryFields`, and path_support.cpp): the equalities of the filter's
 * optimised match expression — `field: value` (not a regular expression, which is a pattern
 * match), `$eq` (a regular expression there is the value), `$in` and `$all` of one value, a
 * one-clause `$or`, all through `$and` — set at their paths in path order (the server keeps them in
 * an ordered map). A path pinned twice, or with its parent, answers 54 NotSingleValueField. A
 * replacement takes only `_id` from the filter, which must then name `_id` itself (111).
 */
export function seedFromFilter(filter: Document, replacement: boolean): Doc {
  const found: Equality[] = [];
  collect(filter, found);
  let equalities = found;
  if (replacement) {
    equalities = found.filter(({ path }) => path === "_id" || path.startsWith("_id."));
    const nested = equalities.find(({ path }) => path !== "_id");
    if (nested)
      throw new CommandError(
        "NotExactValueField",
        `field at '_id' must be exactly specified, field at sub-path '${nested.path}'found`,
      );
  }
  // The server's canonical query sorts its clauses by path, and a parent sorts before its children.
  const sorted = [...equalities].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const seen: string[] = [];
  for (const { path } of sorted) {
    const parent = seen.find((other) => other === path || path.startsWith(`${other}.`));
    if (parent !== undefined)
      throw new CommandError(
        "NotSingleValueField",
        parent === path
          ? `cannot infer query fields to set, path '${path}' is matched twice`
          : `cannot infer query fields to set, both paths '${path}' and '${parent}' are matched`,
      );
    seen.push(path);
  }
  const seed: Doc = {};
  for (const { path, value } of sorted) setPath(seed, path, deepClone(value));
  return seed;
}

/** The equalities of one filter clause (an implicit `$and` of its fields). */
function collect(clause: Document, out: Equality[]): void {
  for (const [key, value] of Object.entries(clause)) {
    if (key === "$and" && Array.isArray(value)) {
      for (const part of value as unknown[]) if (isPlainObject(part)) collect(part, out);
    } else if (key === "$or" && Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) {
      // A one-clause `$or` is optimised into its clause.
      collect(value[0], out);
    } else if (!key.startsWith("$")) {
      fieldEqualities(key, value, out);
    }
  }
}

function fieldEqualities(path: string, condition: unknown, out: Equality[]): void {
  if (isRegex(condition)) return;
  if (!isOperatorObject(condition)) {
    out.push({ path, value: condition });
    return;
  }
  for (const [op, operand] of Object.entries(condition)) {
    if (op === "$eq") out.push({ path, value: operand });
    else if (op === "$in" && Array.isArray(operand)) {
      // `$in` of one distinct value (not a pattern) is optimised into an equality.
      const distinct = (operand as unknown[]).filter(
        (value, i, all) => all.findIndex((other) => bsonEquals(other, value)) === i,
      );
      if (distinct.length === 1 && !isRegex(distinct[0])) out.push({ path, value: distinct[0] });
    } else if (op === "$all" && Array.isArray(operand)) {
      // `$all` is an `$and` of equalities (a pattern or `$elemMatch` element is none).
      for (const value of operand as unknown[]) {
        if (isRegex(value) || (isPlainObject(value) && "$elemMatch" in value)) continue;
        out.push({ path, value });
      }
    }
  }
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const first = Object.keys(value)[0];
  return first !== undefined && first.startsWith("$");
}

/** A JavaScript RegExp or a BSON regular expression the driver could not turn into one. */
