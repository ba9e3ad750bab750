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
  // for…in and index scans, not Object.entries and split: this runs for every statement of a
  // save's bulk, and its temporaries were a fiftieth of the bytes a save allocated (issue 17).
  for (const op in update) {
    if (!Object.prototype.hasOwnProperty.call(update, op)) continue;
    const fields: unknown = update[op];
    if (!isPlainObject(fields)) return null;
    if (NEVER_GROW.has(op)) continue;
    for (const path in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, path)) continue;
      const arg = fields[path];
      if (path.includes("$[")) return null;
      const created = creationBound(path);
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
 * What creating the levels of `path` can add: each level may be created (an embedded document:
 * header, type byte, name, terminators), and an index past an array's end pads it with nulls
 * (type byte, index digits, NUL each).
 */
function creationBound(path: string): number {
  let created = path.length;
  let start = 0;
  for (;;) {
    const dot = path.indexOf(".", start);
    const end = dot < 0 ? path.length : dot;
    created += 8;
    if (end > start && isDigits(path, start, end))
      created += (Number(path.slice(start, end)) + 1) * (end - start + 2);
    if (dot < 0) return created;
    start = dot + 1;
  }
}

function isDigits(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * At least the bytes of `{v: value}` in BSON (4 length + 1 type + "v\0" + the value + 1 end): exact
 * enough for what a save sets and pushes (numbers, dates, flags, hashes, and the chain event, an
 * object of such values) without encoding them; measuring the event was most of this bound's
 * cost. Any other BSON value is measured.
 */
function encodedBound(value: unknown): number {
  return 8 + valueBound(value);
}

/**
 * At least the bytes of a value inside a BSON document, without its type byte and name. A
 * string's UTF-8 form takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2
 * units), and so does a field name; an array element's name is its index (at most 10 digits).
 */
function valueBound(value: unknown): number {
  switch (typeof value) {
    case "number":
      return 8;
    case "boolean":
      return 1;
    case "string":
      return 4 + 3 * value.length + 1;
    case "undefined":
      return 0;
    default:
      break;
  }
  if (value === null) return 0;
  if (value instanceof Date) return 8;
  if (Array.isArray(value)) {
    // Header and terminator; each element a type byte, its index name and NUL, and the value.
    let bytes = 4 + 1;
    for (let i = 0; i < value.length; i += 1) bytes += 1 + 11 + valueBound(value[i]);
    return bytes;
  }
  if (isPlainObject(value) && !("_bsontype" in value)) {
    let bytes = 4 + 1;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      bytes += 1 + 3 * key.length + 1 + valueBound(value[key]);
    }
    return bytes;
  }
  // ObjectId, Binary, Long, Decimal128, regular expressions…: measured. {v: value} less its
  // header, name and terminator, plus the type byte and name counted at the caller's level.
  return calculateObjectSize({ v: value }) - 8;
}
