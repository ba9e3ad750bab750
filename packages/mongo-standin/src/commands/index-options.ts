import type { Document } from "bson";
import { CommandError, unsupported } from "../errors.js";
import { isPlainObject } from "../storage/values.js";

/**
 * Index options the server rejects, rejected here before the index is built: a unique hashed index
 * (16764), a partial filter using an expression the server does not support there (67), and TTL
 * values the stand-in cannot expire by.
 */
export function assertIndexOptions(key: Record<string, unknown>, options: Document): void {
  if (options.unique === true && Object.values(key).includes("hashed"))
    throw new CommandError(
      "Location16764",
      "Currently hashed indexes cannot guarantee uniqueness. Use a regular index.",
    );
  if (options.partialFilterExpression !== undefined) {
    const refused = unsupportedInPartialFilter(options.partialFilterExpression);
    if (refused)
      throw new CommandError(
        "CannotCreateIndex",
        `Error in specification ${JSON.stringify({ key, ...options })} :: caused by :: Expression not supported in partial index: ${refused}`,
      );
  }
  if (options.expireAfterSeconds !== undefined) assertTtlOption(key, options.expireAfterSeconds);
}

/**
 * The first expression a partial filter may not use (MongoDB 7: equality, `$exists: true`, the
 * range operators, `$type`, `$in`, `$and` and `$or`), or null when it uses none.
 */
function unsupportedInPartialFilter(filter: unknown): string | null {
  if (!isPlainObject(filter)) return "a filter that is not an object";
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(condition)) return key;
      for (const clause of condition as unknown[]) {
        const refused = unsupportedInPartialFilter(clause);
        if (refused) return refused;
      }
      continue;
    }
    if (key.startsWith("$")) return key;
    if (!isPlainObject(condition) || !Object.keys(condition)[0]?.startsWith("$")) continue;
    for (const [op, operand] of Object.entries(condition)) {
      if (op === "$exists" && operand !== true && operand !== 1) return "$exists: false";
      if (!PARTIAL_OPERATORS.has(op)) return op;
    }
  }
  return null;
}

const PARTIAL_OPERATORS = new Set(["$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$in"]);

/**
 * The TTL option as the stand-in expires by it: a number of seconds from 0 to 2^31 - 1, on a field
 * other than `_id`. The server rejects other values with errors the stand-in does not reproduce.
 */
function assertTtlOption(key: Record<string, unknown>, seconds: unknown): void {
  const valid =
    typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 && seconds <= 2_147_483_647;
  if (!valid) throw unsupported(`expireAfterSeconds ${String(seconds)} (the server rejects it)`);
  if (Object.keys(key).length === 1 && "_id" in key)
    throw unsupported("a TTL index on _id (the server rejects it)");
}
