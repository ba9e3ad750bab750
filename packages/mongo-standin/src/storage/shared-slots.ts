import { isPlainObject, type Doc } from "./values.js";

/**
 * Identical small elements of inserted documents' arrays held once (issue 17). An attempt is
 * inserted with a hundred answer slots, each `{choice: [], seq: 0, flagged: false, flagSeq: 0}`,
 * and most are never answered; as decoded, every slot of every attempt was its own object (and
 * its own empty list), which every mark-compact walks: at 5,000 attempts a full collection took
 * 100-102 ms with distinct slots and 64-69 ms with the unreached ones shared (BENCHMARKS.md,
 * session eleven). Sharing is sound because a stored document is never changed in place: an
 * update copies every object and array on the paths it writes (update/apply.ts), and no reader
 * gets a stored object to change.
 *
 * Only elements whose fields are all scalars (strings, numbers, flags, null) or empty arrays are
 * shared, and only with an element whose fields have the same names in the same order and the
 * same values (numbers by `Object.is`, so 0 and -0 stay apart), so the document's bytes are the
 * same either way.
 */

/** Arrays shorter than this are left alone: the slots that matter come a hundred to a document. */
const MIN_ARRAY_LENGTH = 8;
/** Elements with more fields than this are left alone (a slot has four). */
const MAX_FIELDS = 8;
/**
 * At most this many distinct shared elements are kept; a full table starts over, so elements of
 * other data seen first cannot keep the slots that recur from being shared.
 */
const MAX_SHARED = 1_000;
/** Longer strings make an element not shareable (its key would be as long). */
const MAX_STRING = 64;

const shared = new Map<string, Doc>();

/** Replaces, in `doc`'s top-level arrays, each small scalar element by the shared equal one. */
export function shareSlots(doc: Doc): void {
  for (const field in doc) {
    if (!Object.prototype.hasOwnProperty.call(doc, field)) continue;
    const list: unknown = doc[field];
    if (!Array.isArray(list) || list.length < MIN_ARRAY_LENGTH) continue;
    for (let i = 0; i < list.length; i += 1) {
      const item: unknown = list[i];
      if (!isPlainObject(item) || Object.getPrototypeOf(item) !== Object.prototype) continue;
      const key = slotKey(item);
      if (key === null) continue;
      const known = shared.get(key);
      if (known) {
        list[i] = known;
        continue;
      }
      if (shared.size >= MAX_SHARED) shared.clear();
      shared.set(key, item);
    }
  }
}

/** A string equal for two elements exactly when they encode alike; null when not shareable. */
function slotKey(item: Record<string, unknown>): string | null {
  let key = "";
  let fields = 0;
  for (const name in item) {
    if (!Object.prototype.hasOwnProperty.call(item, name)) continue;
    fields += 1;
    if (fields > MAX_FIELDS) return null;
    const value = item[name];
    let part: string;
    if (value === null) part = "N";
    else if (typeof value === "string") {
      if (value.length > MAX_STRING) return null;
      part = "s" + JSON.stringify(value);
    }
    else if (typeof value === "number") part = Object.is(value, -0) ? "n-0" : "n" + String(value);
    else if (typeof value === "boolean") part = value ? "T" : "F";
    else if (Array.isArray(value) && value.length === 0 && Object.keys(value).length === 0) part = "A";
    else return null;
    key += JSON.stringify(name) + ":" + part + ",";
  }
  return key;
}
