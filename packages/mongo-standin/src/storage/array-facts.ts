import { isPlainObject } from "./values.js";

/**
 * Arrays known to hold, or not to hold, a plain-object element with a field named by digits only
 * (`{"31": …}`). A path such as `answers.31.seq` reaches into an array two ways (MongoDB's rule):
 * element 31 itself, and the field "31" of every element that is a document. When no element has
 * such a field, the second way finds nothing, and the walks that look for it (the filter guard's
 * and the range operators', filter-guards.ts and engine.ts) need not visit the elements at all.
 * Those two walks over an attempt's hundred answers were about a seventh of the stand-in's CPU per
 * save statement (issue 17): each element is a separate object on the heap, read once per walk.
 *
 * A fact is worked out once per array and kept by identity: stored documents and the arrays in
 * them are never changed in place (an update copies what it writes, update/apply.ts), so what an
 * array holds cannot change after it is first read. An update's copy of an array learns the fact
 * from the array it copied (`carryFact`), checking only the elements it does not share with it.
 */
const facts = new WeakMap<readonly unknown[], boolean>();

/**
 * True when no element of `array` is a plain object with an own field whose name is all digits.
 * An inherited name is no field (paths.ts, `own`): only own fields are looked at.
 */
export function noDigitNamedFields(array: readonly unknown[]): boolean {
  let fact = facts.get(array);
  if (fact === undefined) {
    fact = true;
    for (let i = 0; i < array.length; i += 1) {
      if (hasDigitNamedField(array[i])) {
        fact = false;
        break;
      }
    }
    facts.set(array, fact);
  }
  return fact;
}

/**
 * Gives `copy` (an update's copy of `source`, changed since, and changed no more after this) the
 * fact of `source` when it still holds: only the elements not shared with `source` at the same
 * index are read. Does nothing when `source` has no fact yet: the copy's is then worked out when
 * a walk first asks.
 */
export function carryFact(source: readonly unknown[], copy: readonly unknown[]): void {
  if (facts.get(source) !== true) return;
  for (let i = 0; i < copy.length; i += 1) {
    const item = copy[i];
    if (i < source.length && item === source[i]) continue;
    if (hasDigitNamedField(item)) {
      facts.set(copy, false);
      return;
    }
  }
  facts.set(copy, true);
}

function hasDigitNamedField(item: unknown): boolean {
  if (!isPlainObject(item)) return false;
  for (const name in item) {
    if (Object.prototype.hasOwnProperty.call(item, name) && isDigits(name)) return true;
  }
  return false;
}

function isDigits(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i += 1) {
    const code = name.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}
