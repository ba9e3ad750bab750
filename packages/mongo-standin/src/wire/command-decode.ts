import { deserialize, type Document } from "bson";
import { unsupported } from "../errors.js";
import { isPlainObject } from "../storage/values.js";

/**
 * Decodes one BSON document (exactly `buf[start, end)`) to what bson's `deserialize` with its
 * default options gives, faster for what write commands are made of. Decoding a save statement
 * (about 660 bytes: two dozen field names, hashes, dates, small numbers) took bson about 6-11 us,
 * a sixth of the stand-in's CPU per statement (issue 17), most of it spent making and
 * internalising a new string for every field name and adding the fields through one store site
 * that sees every shape. Here a name is decoded once and found again by its bytes (`nameAt`).
 *
 * Only the common types are decoded here: double, string, document, array, boolean, date, null
 * and int32, with ASCII names and strings. A document holding anything else (ObjectId, Long,
 * Binary, a non-ASCII string, `__proto__` or `$ref` names, or bytes bson would refuse) is handed
 * to bson itself, as a whole or (a sub-document) on its own, so the result and every error are
 * bson's: a sub-document decodes alone exactly as it does nested (the same code, DBRefs
 * included), and any error there sends the whole document to bson for bson's own message.
 */
export function decodeDocument(buf: Buffer, start: number, end: number): Document {
  deprecatedSeen = false;
  const fast = end - start >= 5 && buf.readInt32LE(start) === end - start ? object(buf, start, end) : BSON;
  const doc = fast === BSON ? bsonDecoded(buf, start, end) : (fast as Document);
  // Rare: only then are the bytes walked again beside the decoded values, to say where they are.
  if (deprecatedSeen) markDeprecated(buf, start, doc);
  return doc;
}

/** Bits of a deprecated-type mask: what a field held that the codec decoded as another type. */
const UNDEFINED = 1;
export const SYMBOL = 2;
const DB_POINTER = 4;

/**
 * The deprecated types (a mask of UNDEFINED, SYMBOL, DB_POINTER) a decoded command document or
 * array held in its field `key`, at any depth: bson decodes undefined as a missing value (written
 * back as null), a symbol as a string and a DBPointer as a DBRef document, so the decoded value
 * alone cannot say what was sent (deprecated-types.ts decides what to refuse). 0 when none.
 */
export function deprecatedAt(container: object, key: string | number): number {
  return DEPRECATED.get(container)?.get(String(key)) ?? 0;
}

/** The deprecated types a decoded command document or array held anywhere (a mask, 0 for none). */
export function deprecatedMask(container: object): number {
  let mask = 0;
  for (const held of DEPRECATED.get(container)?.values() ?? []) mask |= held;
  return mask;
}

/** The server's name of the types in a mask, for messages ("undefined", "symbol", "dbPointer"). */
export function deprecatedNames(mask: number): string {
  const names: string[] = [];
  if (mask & UNDEFINED) names.push("undefined");
  if (mask & SYMBOL) names.push("symbol");
  if (mask & DB_POINTER) names.push("dbPointer");
  return names.join(" and ");
}

/**
 * The first deprecated type a decoded document held somewhere ("undefined", "symbol" or
 * "dbPointer"), if any: storing such a document would silently change its types (write.ts
 * refuses it).
 */
export function deprecatedTypeIn(doc: Document): string | undefined {
  const mask = deprecatedMask(doc);
  return mask === 0 ? undefined : deprecatedNames(mask & -mask);
}

/** Per decoded document or array: its fields (array indexes as strings) that held deprecated types. */
const DEPRECATED = new WeakMap<object, Map<string, number>>();

/** Whether the current document held a deprecated type (only bson decodes them). */
let deprecatedSeen = false;

/** bson's decoding of a document this decoder did not take, noting a deprecated type in it. */
function bsonDecoded(buf: Buffer, start: number, end: number): Document {
  const doc = deserialize(buf.subarray(start, end));
  // Only after bson took the bytes, so they are well-formed; fast-decoded levels hold none. The
  // same walk notes a regular expression option bson dropped.
  droppedOption = null;
  deprecatedSeen ||= deprecatedIn(buf, start) !== 0;
  if (droppedOption !== null)
    throw unsupported(
      `the regular expression option '${droppedOption as string}' (the codec drops it: the pattern would be read, or stored, without it)`,
    );
  return doc;
}

/** Bytes after the name of each fixed-size BSON type (double, ObjectId, bool, date, int32, timestamp, int64, decimal). */
const FIXED_SIZES: Readonly<Record<number, number>> = {
  1: 8,
  7: 12,
  8: 1,
  9: 8,
  16: 4,
  17: 8,
  18: 8,
  19: 16,
};

/** The deprecated type of an element's own type byte, or 0. */
function deprecatedBit(type: number): number {
  return type === 6 ? UNDEFINED : type === 14 ? SYMBOL : type === 12 ? DB_POINTER : 0;
}

/**
 * Walks the elements of the well-formed document at `at` by their types and sizes (values are
 * skipped, not decoded), calling `visit` with each element's type, index, name bounds and value
 * offset; `visit` returns the mask the element held. Returns the union.
 */
function walk(
  buf: Buffer,
  at: number,
  visit: (type: number, index: number, nameStart: number, valueAt: number) => number,
): number {
  const last = at + buf.readInt32LE(at) - 1;
  let mask = 0;
  let index = 0;
  let i = at + 4;
  while (i < last) {
    const type = buf[i] ?? 0;
    const nameStart = i + 1;
    i = buf.indexOf(0, nameStart) + 1;
    mask |= visit(type, index, nameStart, i);
    index += 1;
    const fixed = FIXED_SIZES[type];
    if (fixed !== undefined) i += fixed;
    else if (type === 3 || type === 4 || type === 15) i += buf.readInt32LE(i);
    else if (type === 2 || type === 13 || type === 14) i += 4 + buf.readInt32LE(i);
    else if (type === 5) i += 5 + buf.readInt32LE(i);
    else if (type === 12) i += 4 + buf.readInt32LE(i) + 12;
    else if (type === 11) i = buf.indexOf(0, buf.indexOf(0, i) + 1) + 1;
    // undefined, null, minKey and maxKey hold no bytes; bson refused any other type.
  }
  return mask;
}

/**
 * Regular expression options bson keeps when it decodes one as a RegExp: `i`, `m` and `s` (as the
 * flag `g`); `u` is dropped, which changes nothing (PCRE2 runs in UTF mode anyway). Any other, `x`
 * above all (whitespace and comments ignored), would vanish silently.
 */
const KEPT_REGEX_OPTIONS = "imsu";

/** The first regular expression option bson dropped in the document being walked (deprecatedIn). */
let droppedOption: string | null = null;

/** Notes an option of the regular expression at `valueAt` (pattern, then options) bson drops. */
function noteRegexOptions(buf: Buffer, valueAt: number): void {
  if (droppedOption !== null) return;
  const optionsAt = buf.indexOf(0, valueAt) + 1;
  const options = buf.toString("latin1", optionsAt, buf.indexOf(0, optionsAt));
  droppedOption = [...options].find((option) => !KEPT_REGEX_OPTIONS.includes(option)) ?? null;
}

/** The deprecated types anywhere in the document at `at` (a code-with-scope's scope included). */
function deprecatedIn(buf: Buffer, at: number): number {
  return walk(buf, at, (type, _index, _name, valueAt) => {
    if (type === 3 || type === 4) return deprecatedIn(buf, valueAt);
    // Code with scope: total size, the code string, then the scope document.
    if (type === 15) return deprecatedIn(buf, valueAt + 8 + buf.readInt32LE(valueAt + 4));
    if (type === 11) noteRegexOptions(buf, valueAt);
    return deprecatedBit(type);
  });
}

/**
 * Records, for `decoded` (bson's or this decoder's value of the document at `at`) and every plain
 * document and array in it, which fields held deprecated types. A value bson made a class of
 * (a DBRef, a Code) is not entered: its field holds the mask of all it contains.
 */
function markDeprecated(buf: Buffer, at: number, decoded: object): number {
  const isArray = Array.isArray(decoded);
  let fields: Map<string, number> | undefined;
  const mask = walk(buf, at, (type, index, nameStart, valueAt) => {
    const key = isArray ? String(index) : buf.toString("utf8", nameStart, valueAt - 1);
    let held = deprecatedBit(type);
    if (type === 3 || type === 4) {
      const value: unknown = (decoded as Record<string, unknown>)[key];
      held =
        value !== null && typeof value === "object" && (Array.isArray(value) || isPlainObject(value))
          ? markDeprecated(buf, valueAt, value)
          : deprecatedIn(buf, valueAt);
    } else if (type === 15) held = deprecatedIn(buf, valueAt + 8 + buf.readInt32LE(valueAt + 4));
    if (held !== 0) (fields ??= new Map()).set(key, held);
    return held;
  });
  if (fields) DEPRECATED.set(decoded, fields);
  return mask;
}

/** What a level returns when bson must decode it instead. */
const BSON = Symbol("bson");

/** The document at `at`, which must end by `limit`; BSON when this decoder does not take it. */
function object(buf: Buffer, at: number, limit: number): Document | typeof BSON {
  const last = bounds(buf, at, limit);
  if (last < 0) return BSON;
  const out: Document = {};
  let i = at + 4;
  while (i < last) {
    const type = buf[i] ?? 0;
    const nameEnd = buf.indexOf(0, i + 1);
    if (type === 0 || nameEnd < 0 || nameEnd >= last) return BSON;
    const name = nameAt(buf, i + 1, nameEnd);
    if (name === null || name === "__proto__" || name === "$ref") return BSON;
    i = nameEnd + 1;
    if (type === 3) {
      const inner = object(buf, i, last);
      const value = inner === BSON ? alone(buf, i, last) : inner;
      if (value === BSON) return BSON;
      out[name] = value;
      i += buf.readInt32LE(i);
      continue;
    }
    const next = scalar(buf, type, i, last, out, name);
    if (next < 0) return BSON;
    i = next;
  }
  return i === last ? out : BSON;
}

/** The array at `at` (element names are not read, as bson does not read them); BSON when not taken. */
function array(buf: Buffer, at: number, limit: number): unknown[] | typeof BSON {
  const last = bounds(buf, at, limit);
  if (last < 0) return BSON;
  const out: unknown[] = [];
  let i = at + 4;
  while (i < last) {
    const type = buf[i] ?? 0;
    const nameEnd = buf.indexOf(0, i + 1);
    if (type === 0 || nameEnd < 0 || nameEnd >= last) return BSON;
    i = nameEnd + 1;
    if (type === 3) {
      const inner = object(buf, i, last);
      const value = inner === BSON ? alone(buf, i, last) : inner;
      if (value === BSON) return BSON;
      out.push(value);
      i += buf.readInt32LE(i);
      continue;
    }
    const holder: Document = {};
    const next = scalar(buf, type, i, last, holder, "v");
    if (next < 0) return BSON;
    out.push(holder.v);
    i = next;
  }
  return i === last ? out : BSON;
}

/** The index of a well-framed document's terminating byte (its length at `at`), or -1. */
function bounds(buf: Buffer, at: number, limit: number): number {
  if (at + 5 > limit) return -1;
  const size = buf.readInt32LE(at);
  if (size < 5 || at + size > limit) return -1;
  const last = at + size - 1;
  return buf[last] === 0 ? last : -1;
}

/** A sub-document bson decodes on its own (as it would nested); BSON when bson refuses it. */
function alone(buf: Buffer, at: number, limit: number): Document | typeof BSON {
  const last = bounds(buf, at, limit);
  if (last < 0) return BSON;
  try {
    return bsonDecoded(buf, at, last + 1);
  } catch {
    return BSON;
  }
}

/**
 * Puts the value of type `type` at `i` into `out[name]` and returns where the next element
 * starts, or -1 for a type not decoded here or bytes bson would refuse.
 */
function scalar(buf: Buffer, type: number, i: number, last: number, out: Document, name: string): number {
  switch (type) {
    case 1:
      if (i + 8 > last) return -1;
      out[name] = buf.readDoubleLE(i);
      return i + 8;
    case 2: {
      if (i + 4 > last) return -1;
      const size = buf.readInt32LE(i);
      const end = i + 4 + size;
      if (size <= 0 || end > last || buf[end - 1] !== 0 || !ascii(buf, i + 4, end - 1)) return -1;
      out[name] = buf.toString("latin1", i + 4, end - 1);
      return end;
    }
    case 4: {
      const value = array(buf, i, last);
      if (value === BSON) return -1;
      out[name] = value;
      return i + buf.readInt32LE(i);
    }
    case 8: {
      const byte = buf[i];
      if (i + 1 > last || (byte !== 0 && byte !== 1)) return -1;
      out[name] = byte === 1;
      return i + 1;
    }
    case 9:
      if (i + 8 > last) return -1;
      // bson's `new Long(low, high).toNumber()`, without the Long.
      out[name] = new Date(buf.readInt32LE(i + 4) * 4294967296 + (buf.readInt32LE(i) >>> 0));
      return i + 8;
    case 10:
      out[name] = null;
      return i;
    case 16:
      if (i + 4 > last) return -1;
      out[name] = buf.readInt32LE(i);
      return i + 4;
    default:
      return -1;
  }
}

function ascii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) if ((buf[i] ?? 0) >= 0x80) return false;
  return true;
}

/**
 * Field names by their bytes: a save's bulk repeats the same few dozen names (and a hundred
 * `answers.N.…` ones) in every statement. A bucket per hash; a full table starts over. Null for a
 * name with a non-ASCII byte (left to bson, which decodes it as UTF-8).
 */
const names = new Map<number, string[]>();
const MAX_NAMES = 4_096;

function nameAt(buf: Buffer, start: number, end: number): string | null {
  let hash = end - start;
  for (let i = start; i < end; i += 1) {
    const byte = buf[i] ?? 0;
    if (byte >= 0x80) return null;
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  let bucket = names.get(hash);
  if (bucket) {
    for (const known of bucket) if (sameBytes(known, buf, start, end)) return known;
  } else {
    if (names.size >= MAX_NAMES) names.clear();
    bucket = [];
    names.set(hash, bucket);
  }
  const name = buf.toString("latin1", start, end);
  bucket.push(name);
  return name;
}

function sameBytes(name: string, buf: Buffer, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let i = 0; i < name.length; i += 1) if (name.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}
