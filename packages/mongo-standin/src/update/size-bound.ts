import { calculateObjectSize, type Document } from "bson";
import { isPlainObject } from "../storage/values.js";

/**
 * Sizes of documents an update produced or measured: exact, or an upper bound. An update of a
 * document whose size is known checks the 16 MB limit against that size plus what the update can
 * add at most, and measures the whole document only when that bound could pass the limit:
 * measuring every updated attempt (a hundred answers and an event log) was a quarter of the
 * stand-in's time at a room's release once copying was gone.
 */
const knownSizes = new WeakMap<object, number>();

export function knownSize(doc: object): number | undefined {
  return knownSizes.get(doc);
}

export function rememberSize(doc: object, size: number): void {
  knownSizes.set(doc, size);
}

/** Operators that never create a field or element (they only remove or keep). */
const NEVER_GROW = new Set(["$unset", "$pop", "$pull", "$pullAll"]);

/**
 * An upper bound on the bytes `update` (operators only) can add to any document, or null when the
 * update alone cannot bound it: a `$[…]` path writes every matching element, `$rename` moves a
 * value of unknown size, and anything unexpected is measured instead.
 */
export function growthBound(update: Document): number | null {
  let bound = 0;
  for (const [op, fields] of Object.entries(update)) {
    if (!isPlainObject(fields)) return null;
    if (NEVER_GROW.has(op)) continue;
    for (const [path, arg] of Object.entries(fields)) {
      if (path.includes("$[")) return null;
      const parts = path.split(".");
      // Each level may be created (an embedded document: header, type byte, name, terminators),
      // and an index past an array's end pads it with nulls (type byte, index digits, NUL each).
      let created = path.length + parts.length * 8;
      for (const part of parts) if (/^\d+$/.test(part)) created += (Number(part) + 1) * (part.length + 2);
      switch (op) {
        case "$set":
        case "$setOnInsert":
        case "$min":
        case "$max":
          bound += created + encodedBound(arg);
          break;
        case "$inc":
        case "$mul":
        case "$bit":
        case "$currentDate":
          // A number, date or timestamp: at most 8 bytes, where there may have been none.
          bound += created + 16;
          break;
        case "$push":
        case "$addToSet": {
          const each = isPlainObject(arg) && Array.isArray(arg.$each) ? arg.$each.length : 1;
          // Every element gains an index name of up to 10 digits in the stored array.
          bound += created + encodedBound(arg) + each * 16;
          break;
        }
        default:
          return null;
      }
    }
  }
  return bound;
}

/**
 * At least the bytes of `{v: value}` in BSON (4 length + 1 type + "v\0" + the value + 1 end): exact
 * enough for the scalars a save sets (numbers, dates, flags, hashes) without encoding them, which
 * was most of this bound's cost; anything else is measured. A string's UTF-8 form takes at most 3
 * bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
 */
function encodedBound(value: unknown): number {
  switch (typeof value) {
    case "number":
      return 8 + 8;
    case "boolean":
      return 8 + 1;
    case "string":
      return 8 + 4 + 3 * value.length + 1;
    default:
      if (value === null || value === undefined) return 8;
      if (value instanceof Date) return 8 + 8;
      return calculateObjectSize({ v: value });
  }
}
