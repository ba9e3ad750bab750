import type { Document } from "bson";
import { rangePredicate, type RangeOperator } from "./engine.js";
import { isPlainObject, type Doc } from "./storage/values.js";

/**
 * A predicate for the filters every save and claim sends (`{_id: …, chainN: 5, status: "…",
 * pausedAt: null, deadline: {$gte: …}, "answers.3.seq": {$lt: 7}}`) that needs no engine query:
 * building a mingo Query per command (it copies the engine's operator tables each time) was a
 * fifth of the stand-in's CPU per save, for filters whose every value is new.
 *
 * Only plain field conditions qualify: equality (`field: v` or `{$eq: v}`) with a string, finite
 * number, boolean, null or Date, and the range operators, which run the stand-in's own range
 * predicates (the same functions the engine calls). Equality is decided here only where the
 * path meets plain sub-documents and ends at such a scalar (or nothing); anywhere else (an
 * array on the way, an ObjectId, Long, Decimal128…) the document is tested by `full`, the
 * engine's predicate, so every answer is the one the engine gives. Returns null for any other
 * filter (operators, `$and`/`$or`, sub-document values…): the caller compiles it as before.
 */
export function fastPredicate(
  filter: Document,
  full: () => (doc: Doc) => boolean,
): ((doc: Doc) => boolean) | null {
  const equalities: { parts: string[]; value: unknown }[] = [];
  const ranges: ((doc: Doc) => boolean)[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field.startsWith("$") || field === "" || field.split(".").some((part) => part === "")) return null;
    const parts = field.split(".");
    if (isPlainObject(condition)) {
      const ops = Object.entries(condition);
      if (ops.length === 0) return null;
      for (const [op, operand] of ops) {
        if (op === "$eq" && isPlainScalar(operand)) equalities.push({ parts, value: operand });
        else if (RANGES.has(op) && isPlainScalar(operand))
          ranges.push(rangePredicate(op as RangeOperator, field, operand));
        else return null;
      }
    } else if (isPlainScalar(condition)) equalities.push({ parts, value: condition });
    else return null;
  }
  let engine: ((doc: Doc) => boolean) | null = null;
  return (doc) => {
    for (const { parts, value } of equalities) {
      const found = plainValueAt(doc, parts);
      if (found === UNSURE) return (engine ??= full())(doc);
      if (!sameScalar(found, value)) return false;
    }
    return ranges.every((test) => test(doc));
  };
}

const RANGES = new Set(["$gt", "$gte", "$lt", "$lte"]);
const UNSURE = Symbol("unsure");

/** Values an equality is decided on here; NaN and invalid dates go to the engine. */
function isPlainScalar(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return !Number.isNaN(value);
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** The scalar at `parts` through plain sub-documents (undefined: missing), or UNSURE. */
function plainValueAt(doc: Doc, parts: string[]): unknown {
  let current: unknown = doc;
  for (const part of parts) {
    if (current === undefined || current === null) return undefined;
    if (!isPlainObject(current)) return UNSURE;
    // An inherited name (`constructor`, `__proto__`) is left to the engine.
    if (!Object.hasOwn(current, part)) {
      if (part in current) return UNSURE;
      return undefined;
    }
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return current;
  return isPlainScalar(current) ? current : UNSURE;
}

/** Equality as the engine decides it for plain scalars: null matches missing, dates by time. */
function sameScalar(found: unknown, wanted: unknown): boolean {
  if (wanted === null) return found === null || found === undefined;
  if (wanted instanceof Date) return found instanceof Date && found.getTime() === wanted.getTime();
  return found === wanted;
}
