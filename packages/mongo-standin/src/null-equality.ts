import * as queryOperators from "mingo/operators/query";
import { unsupported } from "./errors.js";
import { isPlainObject } from "./storage/values.js";

/**
 * Whether `{path: null}` holds for `value` from part `i` of the path on, as MongoDB 7 and 8 decide
 * it (the server's null_query_semantics tests): the path ends at null, at nothing, or at an array
 * holding null; or it stops early at null, nothing or a scalar; or an array met midway holds a
 * sub-document for which the rest of the path holds. Scalars, nulls and arrays inside that array
 * add nothing. The engine's own `$eq` drops sub-documents that lack the field, so
 * `{"a.x": null}` missed `{a: [{x: 1}, {y: 2}]}`.
 *
 * An undefined value counts as missing, as the stand-in stores it (storage/values.ts: an undefined
 * field is left out, an undefined element written as null).
 */
function nullAt(value: unknown, parts: string[], i: number, path: string): boolean {
  if (i === parts.length) {
    if (value === null || value === undefined) return true;
    return Array.isArray(value) && (value as unknown[]).some((item) => item === null || item === undefined);
  }
  if (Array.isArray(value)) {
    // A numeric part both indexes the array and names a field of each element; how the server
    // counts a missing field there is not modelled.
    if (/^\d+$/.test(parts[i] ?? ""))
      throw unsupported(`null equality on '${path}', whose numeric part meets an array`);
    return (value as unknown[]).some((item) => {
      // The filter guard refuses this before (filter-guards.ts) except inside $elemMatch.
      if (Array.isArray(item))
        throw unsupported(
          `a dotted path through an array of arrays ('${path}'; MongoDB looks into one array level only)`,
        );
      return isPlainObject(item) && nullAt(item, parts, i, path);
    });
  }
  if (isPlainObject(value)) {
    const part = parts[i] ?? "";
    // An inherited name (`constructor`) is no field of a stored document.
    return nullAt(Object.hasOwn(value, part) ? value[part] : undefined, parts, i + 1, path);
  }
  // Null, nothing, a scalar or a BSON value (ObjectId, Date…) midway: the rest of the path is missing.
  return true;
}

type Predicate = (doc: Record<string, unknown>) => boolean;

/**
 * The test of `{selector: null}`. Only a document root is walked here; the engine keeps what
 * `$elemMatch` hands it for an array's scalar or array elements, as before.
 */
function nullPredicate(selector: string, fallback: Predicate): Predicate {
  const parts = selector.split(".");
  return (doc) => (isPlainObject(doc) ? nullAt(doc, parts, 0, selector) : fallback(doc));
}

const $eq: typeof queryOperators.$eq = (selector, value, options) => {
  const engine = queryOperators.$eq(selector, value, options);
  return value === null ? nullPredicate(selector, engine) : engine;
};

const $ne: typeof queryOperators.$ne = (selector, value, options) => {
  if (value !== null) return queryOperators.$ne(selector, value, options);
  const equal = nullPredicate(selector, queryOperators.$eq(selector, null, options));
  return (doc) => !equal(doc);
};

/** `$in` with null in its list: the null equality, or the engine's `$in` of the other values. */
function inWithNull(
  selector: string,
  value: unknown,
  options: Parameters<typeof queryOperators.$in>[2],
): Predicate | null {
  if (!Array.isArray(value) || !(value as unknown[]).includes(null)) return null;
  const others = (value as unknown[]).filter((item) => item !== null);
  const equal = nullPredicate(selector, queryOperators.$eq(selector, null, options));
  const rest = others.length > 0 ? queryOperators.$in(selector, others, options) : () => false;
  return (doc) => equal(doc) || rest(doc);
}

const $in: typeof queryOperators.$in = (selector, value, options) =>
  inWithNull(selector, value, options) ?? queryOperators.$in(selector, value, options);

const $nin: typeof queryOperators.$nin = (selector, value, options) => {
  const within = inWithNull(selector, value, options);
  return within ? (doc) => !within(doc) : queryOperators.$nin(selector, value, options);
};

/** The equality query operators, with MongoDB's null semantics on paths through arrays. */
export const NULL_AWARE_EQUALITY = { $eq, $ne, $in, $nin };
