import type { Document } from "bson";
import { CommandError, unsupported } from "./errors.js";
import { isPlainObject } from "./storage/values.js";
import { SYMBOL, deprecatedAt, deprecatedMask, deprecatedNames } from "./wire/command-decode.js";

/**
 * What the stand-in does with the deprecated BSON types undefined, symbol and DBPointer in what a
 * command reads by. The codec decodes them as a missing value, a string and a DBRef document, so
 * the decoded command alone would be answered as if those had been sent (`{a: undefined}` matched
 * null and missing fields, and a delete removed them). Instead, as the server does
 * (expression_leaf.cpp):
 *
 * - a comparison with undefined (`{a: undefined}`, `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, an
 *   `$all` element) fails with 2 "cannot compare to undefined", an `$in`/`$nin` element with 2
 *   "InMatchExpression equality cannot be undefined";
 * - a symbol compared as a value is answered: the server compares a symbol as the string it holds
 *   (String and Symbol are one canonical type), which is what the codec decoded, and nothing the
 *   stand-in stores is a symbol (write.ts refuses to store one);
 * - anything else is refused (2, "mongo-standin does not support …"): undefined inside a compared
 *   document or array, a DBPointer anywhere (the server keeps it a type of its own, the stand-in
 *   would compare a DBRef document), and any of them as an operator's argument, in `$expr`, in a
 *   pipeline stage other than `$match` (it would compute with, `$out` or `$merge` would store, and
 *   `$type` would name, the decoded type) or in any other part of a command.
 */

/** The operators whose argument is one value compared with the field. */
const COMPARISONS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]);
/** The operators whose argument is a list of values compared with the field. */
const LISTS = new Set(["$in", "$nin", "$all"]);
const LOGICAL = new Set(["$and", "$or", "$nor"]);

function refuse(mask: number, where: string): CommandError {
  return unsupported(`a BSON ${deprecatedNames(mask)} ${where} (it decodes them as another type)`);
}

/**
 * Checks a filter (find's `filter`, a `q`, a `query`, a `$match`) as the server parses it; throws
 * as above. Costs one map lookup per field when the command held no deprecated type.
 */
export function checkFilterTypes(filter: Document): void {
  if (deprecatedMask(filter) === 0) return;
  for (const key of Object.keys(filter)) {
    const mask = deprecatedAt(filter, key);
    if (mask === 0) continue;
    const value: unknown = filter[key];
    if (LOGICAL.has(key) && Array.isArray(value)) {
      value.forEach((part: unknown, i) => {
        if (!isPlainObject(part)) throw refuse(deprecatedAt(value, i), `in ${key}`);
        checkFilterTypes(part);
      });
    } else if (key.startsWith("$")) throw refuse(mask, `in ${key}`);
    else checkCondition(filter, key);
  }
}

/** A field's condition: an operator document, or a value the field must equal. */
function checkCondition(holder: object, key: string | number): void {
  const condition: unknown = (holder as Record<string, unknown>)[key];
  if (!isPlainObject(condition) || !Object.keys(condition)[0]?.startsWith("$")) {
    checkValue(holder, key);
    return;
  }
  for (const op of Object.keys(condition)) {
    const mask = deprecatedAt(condition, op);
    if (mask === 0) continue;
    const argument: unknown = condition[op];
    if (COMPARISONS.has(op)) checkValue(condition, op);
    else if (LISTS.has(op) && Array.isArray(argument)) {
      argument.forEach((element: unknown, i) => {
        if (element === undefined && op !== "$all")
          throw new CommandError("BadValue", "InMatchExpression equality cannot be undefined");
        if (op === "$all" && isPlainObject(element) && "$elemMatch" in element) checkCondition(argument, i);
        else checkValue(argument, i);
      });
    } else if ((op === "$elemMatch" || op === "$not") && isPlainObject(argument)) {
      const first = Object.keys(argument)[0] ?? "";
      if (first.startsWith("$") && !LOGICAL.has(first) && first !== "$expr") checkCondition(condition, op);
      else if (op === "$elemMatch") checkFilterTypes(argument);
      else throw refuse(mask, `in ${op}`);
    } else throw refuse(mask, `as the argument of ${op}`);
  }
}

/** A value compared with a field: undefined fails as on the server, a symbol is its string. */
function checkValue(holder: object, key: string | number): void {
  if ((holder as Record<string, unknown>)[key] === undefined)
    throw new CommandError("BadValue", "cannot compare to undefined");
  const mask = deprecatedAt(holder, key);
  if ((mask & ~SYMBOL) !== 0) throw refuse(mask & ~SYMBOL, "inside a compared value");
}

/** The fields of each command that hold a filter; others may hold no deprecated type at all. */
const FILTER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  find: ["filter"],
  count: ["query"],
  distinct: ["query"],
  findAndModify: ["query"],
  findandmodify: ["query"],
};

/**
 * Checks a whole command's deprecated types, if it held any (one lookup when it did not).
 * `statements` names the field of a write command's statements, which the handler checks one by
 * one (`checkStatementTypes`), so that a failing statement is a write error as on the server.
 */
export function checkCommandTypes(name: string, command: Document, statements?: string): void {
  if (deprecatedMask(command) === 0) return;
  const filters = FILTER_FIELDS[name] ?? [];
  for (const key of Object.keys(command)) {
    const mask = deprecatedAt(command, key);
    if (mask === 0 || key === statements) continue;
    const value: unknown = command[key];
    if (filters.includes(key) && isPlainObject(value)) checkFilterTypes(value);
    else if (name === "aggregate" && key === "pipeline" && Array.isArray(value)) checkPipelineTypes(value);
    else throw refuse(mask, `in a command's ${key}`);
  }
}

/** A delete statement: its `q` as a filter; a deprecated type anywhere else is refused. */
export function checkStatementTypes(statement: Document, filterField: string): void {
  if (deprecatedMask(statement) === 0) return;
  for (const key of Object.keys(statement)) {
    const mask = deprecatedAt(statement, key);
    if (mask === 0) continue;
    const value: unknown = statement[key];
    if (key === filterField && isPlainObject(value)) checkFilterTypes(value);
    else throw refuse(mask, `in a statement's ${key}`);
  }
}

/** A pipeline: `$match` stages are filters; a deprecated type in any other stage is refused. */
function checkPipelineTypes(pipeline: unknown[]): void {
  pipeline.forEach((stage: unknown, i) => {
    const mask = deprecatedAt(pipeline, i);
    if (mask === 0) return;
    const keys = isPlainObject(stage) ? Object.keys(stage) : [];
    const match = isPlainObject(stage) ? stage.$match : undefined;
    if (keys.length === 1 && keys[0] === "$match" && isPlainObject(match)) checkFilterTypes(match);
    else throw refuse(mask, `in the aggregation stage ${keys[0] ?? String(i)}`);
  });
}
