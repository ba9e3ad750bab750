import { elementKey } from "./filter-guards.js";
import { noDigitNamedFields } from "./storage/array-facts.js";
import { isPlainObject } from "./storage/values.js";

/**
 * Every value a path reaches for a comparison: terminal arrays both as a whole and element by
 * element, arrays on the way descended (numeric parts index them, and also name a field of each
 * element, as on the server). Collected into one array: a save's filter (`answers.31.seq`) walks
 * the hundred answers for a field "31", and building an array per element and per level there was
 * a fifth of the bytes the stand-in allocated per save (issue 17).
 */
export function comparable(
  doc: unknown,
  parts: string[],
  from = 0,
  out: unknown[] = [],
  stored = false,
  elements = true,
): unknown[] {
  if (from === parts.length) {
    out.push(doc);
    if (elements && Array.isArray(doc)) for (const item of doc as unknown[]) out.push(item);
    return out;
  }
  const part = parts[from] ?? "";
  if (Array.isArray(doc)) {
    const index = /^\d+$/.test(part);
    if (index) comparable((doc as unknown[])[Number(part)], parts, from + 1, out, stored, elements);
    // Where no element has a field named `part`, the elements add nothing unless the path ends
    // here (each then adds `undefined`). Known only of arrays never changed in place (array-facts.ts):
    // a stored document's, not the engine's copies in a pipeline, which its stages may change.
    if (index && stored && from + 1 < parts.length && noDigitNamedFields(doc as unknown[])) return out;
    // A field named like an index is read by number (the same property; see filter-guards.ts).
    const key = index ? elementKey(part) : part;
    for (const item of doc as unknown[]) {
      if (!isPlainObject(item)) continue;
      const inner = (item as Record<string | number, unknown>)[key];
      // An element without that field adds nothing unless the path ends here (then it adds
      // `undefined`, which `$gte: null` counts as missing): skip it rather than descend.
      if (inner !== undefined || from + 1 === parts.length)
        comparable(inner, parts, from + 1, out, stored, elements);
    }
    return out;
  }
  if (doc === null || typeof doc !== "object") return out;
  return comparable((doc as Record<string, unknown>)[part], parts, from + 1, out, stored, elements);
}

/**
 * The arrays where the path ends, each as a whole (an array there is not entered): what the
 * server's array operators (`$size`, `$elemMatch`) test, which walk arrays midway as `comparable`
 * does but take the final value as it is (ArrayMatchingMatchExpression, no leaf traversal).
 */
export function arraysAt(doc: unknown, parts: string[]): unknown[][] {
  return comparable(doc, parts, 0, [], false, false).filter((value): value is unknown[] =>
    Array.isArray(value),
  );
}
