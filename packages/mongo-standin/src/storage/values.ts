import {
  Binary,
  DBRef,
  Decimal128,
  Double,
  EJSON,
  Int32,
  Long,
  ObjectId,
  serialize,
  UUID,
  type Document,
} from "bson";
import { isBoxedNumber } from "../numeric-types.js";

/** A stored document: a plain object as decoded by `bson` (numbers promoted, BSON classes kept). */
export type Doc = Document;

/**
 * Deep copy of a document. Stored documents are never handed out or mutated in place, so no
 * caller (or later pipeline stage) can change them through a shared reference. `structuredClone`
 * would drop the prototypes of `ObjectId` and friends, hence the hand-written walk.
 */
export function deepClone<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item: unknown) => deepClone(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof RegExp) return new RegExp(value.source, value.flags) as T;
  // A UUID stays a UUID: the engine's equality tells the classes apart, so a plain Binary copy of a
  // stored UUID would no longer match the UUID a later query sends.
  if (value instanceof UUID) return new UUID(Buffer.from(value.buffer)) as T;
  if (value instanceof Binary) return new Binary(Buffer.from(value.buffer), value.sub_type) as T;
  if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    const copy: Record<string, unknown> = {};
    const source = value as Record<string, unknown>;
    for (const key in source) {
      if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
      putData(copy, key, deepClone(source[key]));
    }
    return copy as T;
  }
  // ObjectId, Long, Decimal128, Timestamp and the other BSON value classes are immutable.
  return value;
}

/**
 * The value as the store keeps it: a `Double` or `Int32` (a whole double an expression computed,
 * numeric-types.ts `asDouble`) becomes its JavaScript number, as the wire layer decodes one, so
 * stored documents, their index keys and filters meet numbers only (a stored `2.0` reads back as
 * `2`, README "Known simplifications"). Arrays and documents holding none are returned as they
 * are, without allocating: every pipeline update's and `$out`'s result passes through here, and
 * a copy is only begun at the first value that changes.
 */
export function withPlainNumbers<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (isBoxedNumber(value)) return Number(value.valueOf()) as T;
  if (Array.isArray(value)) {
    const items = value as unknown[];
    let copy: unknown[] | null = null;
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i];
      if (item === null || typeof item !== "object") continue;
      const plain = withPlainNumbers(item);
      if (plain !== item) (copy ??= items.slice())[i] = plain;
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | null = null;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const item = value[key];
    if (item === null || typeof item !== "object") continue;
    const plain = withPlainNumbers(item);
    if (plain === item) continue;
    // The copy takes every field, in order, at the first change; later changes overwrite theirs.
    copy ??= copyFields(value);
    putData(copy, key, plain);
  }
  return (copy ?? value) as T;
}

/** A shallow copy of a plain object's own fields, in order (`__proto__` kept a data field). */
function copyFields(source: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in source)
    if (Object.prototype.hasOwnProperty.call(source, key)) putData(copy, key, source[key]);
  return copy;
}

/**
 * Sets an own data property of a plain object. A plain assignment does exactly that for every name
 * but `__proto__`, the one accessor `Object.prototype` has, which defineProperty keeps a data
 * field (a stored "__proto__" key never becomes a prototype). defineProperty for every field was
 * a twentieth of the stand-in's time per save (issue 17).
 */
export function putData(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/**
 * True when `a` and `b` serialize to the same BSON bytes (same fields in the same order, same
 * values of the same BSON types), without serializing: the write path asks this of every updated
 * document, and serializing both copies to compare them was a fifth of the database's time under
 * a room's release. Plain values, arrays, plain objects and dates are compared here; any other
 * value (ObjectId, Long, Binary, undefined…) by its serialized bytes, as before.
 */
export function sameBson(a: unknown, b: unknown): boolean {
  // -0 is stored as a double and 0 as an int32: Object.is tells them apart as the bytes would.
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b);
  if (a === b) return true;
  if (typeof a === "string" && typeof b === "string") return false;
  if (typeof a === "boolean" && typeof b === "boolean") return false;
  // An undefined field is left out of the bytes and an undefined element written as null: such
  // values are compared by their bytes below.
  if (Array.isArray(a) && Array.isArray(b) && !a.includes(undefined) && !b.includes(undefined)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameBson(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date && !Number.isNaN(a.getTime()) && !Number.isNaN(b.getTime()))
    return a.getTime() === b.getTime();
  if (isPlainObject(a) && isPlainObject(b) && !("_bsontype" in a) && !("_bsontype" in b)) {
    const same = sameFields(a, b);
    if (same !== null) return same;
  }
  return Buffer.from(serialize({ v: a })).equals(serialize({ v: b }));
}

/**
 * Whether two plain objects hold the same fields in the same order; null when one holds an
 * undefined. The fields are first compared where that is cheap (names, numbers, strings, flags,
 * references), and only then deeply: an updated attempt differs in its chain head, a number, but
 * its answers (a hundred objects, shared but for the one saved) come first in the document, and
 * walking them first was a twentieth of the stand-in's time per save (issue 17).
 */
function sameFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean | null {
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  let same = keys.length === otherKeys.length;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const value = a[key];
    if (value === undefined) return null;
    if (same && (key !== otherKeys[i] || scalarsDiffer(value, b[key]))) same = false;
  }
  for (const key of otherKeys) if (b[key] === undefined) return null;
  if (!same) return false;
  for (const key of keys) if (!sameBson(a[key], b[key])) return false;
  return true;
}

/** True only when `sameBson(a, b)` is false for two numbers, strings or flags (anything else: false). */
export function scalarsDiffer(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return !Object.is(a, b);
  return a !== b && typeof a === typeof b && (typeof a === "string" || typeof a === "boolean");
}

/** True for `{ ... }` literals (not arrays, dates, BSON values). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A string that is equal for two values exactly when MongoDB's equality says so for the kinds
 * used as keys (numbers compare by value across int/long/double; everything else by type and
 * content). Used for `_id` lookups and index entries.
 */
export function valueKey(value: unknown): string {
  if (value === undefined || value === null) return "n";
  if (value === EMPTY_ARRAY_KEY) return "u";
  if (typeof value === "number") return `d:${value}`;
  if (typeof value === "string") return `s:${value}`;
  if (typeof value === "boolean") return `b:${value}`;
  if (value instanceof ObjectId) return `o:${value.toHexString()}`;
  if (value instanceof Date) return `t:${value.getTime()}`;
  // Only computed values (a group key) are Doubles: after the common kinds, so ids pay nothing.
  if (value instanceof Double || value instanceof Int32) return `d:${value.valueOf()}`;
  if (value instanceof Decimal128) {
    // MongoDB's equality is numeric across number types: Decimal128("1.0") and 1 are one index key
    // and one _id. A decimal that no double equals exactly (0.1) stays a key of its own.
    const exact = exactDouble(value.toString());
    if (exact !== null) return `d:${exact}`;
  }
  // A 64-bit integer (one `$inc` widened past int32) is the key of the double equal to it, if any.
  // bson's Timestamp is a subclass of Long: only the tag tells them apart.
  if (value instanceof Long && (value as { _bsontype?: string })._bsontype === "Long") {
    const n = value.toNumber();
    if (BigInt(n) === value.toBigInt()) return `d:${n}`;
  }
  return `x:${EJSON.stringify({ v: value as Document }, { relaxed: false })}`;
}

/** The epoch ms of a date's `valueKey` (`t:<ms>`); null for a key of any other kind. */
export function dateOfKey(key: string): number | null {
  if (!key.startsWith("t:")) return null;
  const ms = Number(key.slice(2));
  return Number.isFinite(ms) ? ms : null;
}

/** The double exactly equal to a decimal string (`1.5`, `2E+3`), or null when none is. */
export function exactDouble(decimal: string): number | null {
  const match = /^(-?)(\d+)(?:\.(\d*))?(?:E([+-]?\d+))?$/i.exec(decimal);
  if (!match) return null; // NaN, Infinity
  const [, sign, whole = "", fraction = "", exponentText = "0"] = match;
  let mantissa = BigInt(whole + fraction);
  let exponent = Number(exponentText) - fraction.length;
  if (mantissa === 0n) return 0;
  while (exponent < 0 && mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  if (exponent > 400 || exponent < -400) return null;
  let value: number;
  if (exponent >= 0) {
    const integer = mantissa * 10n ** BigInt(exponent);
    value = Number(integer);
    if (BigInt(value) !== integer) return null;
  } else {
    // m·10^-k is a double only if 5^k divides m, leaving (m / 5^k) / 2^k.
    const k = BigInt(-exponent);
    const fivePower = 5n ** k;
    if (mantissa % fivePower !== 0n) return null;
    const odd = mantissa / fivePower;
    const numerator = Number(odd);
    if (BigInt(numerator) !== odd) return null;
    value = numerator / 2 ** -exponent;
    if (value * 2 ** -exponent !== numerator) return null;
  }
  return sign === "-" ? -value : value;
}

/**
 * The key an empty array contributes to an index or a sort: the server keys it as `undefined`,
 * which is neither null nor missing (a unique index holds both beside it) and sorts before them.
 */
export const EMPTY_ARRAY_KEY: unknown = Object.freeze({ emptyArrayKey: true });

/**
 * Every value reachable at a dotted path, descending into arrays the way MongoDB's multikey
 * indexes do: an array contributes one value per element; a missing field contributes `null`; an
 * empty array contributes `emptyArray` (undefined, as missing, unless the caller builds keys and
 * passes `EMPTY_ARRAY_KEY`).
 */
export function pathValues(doc: unknown, path: string, emptyArray: unknown = undefined): unknown[] {
  const parts = path.split(".");
  const out: unknown[] = [];
  const walk = (value: unknown, i: number): void => {
    if (i === parts.length) {
      if (Array.isArray(value)) {
        if (value.length === 0) out.push(emptyArray);
        else out.push(...(value as unknown[]));
      } else out.push(value);
      return;
    }
    if (Array.isArray(value)) {
      const part = parts[i] ?? "";
      if (/^\d+$/.test(part)) walk(value[Number(part)], i + 1);
      else for (const item of value as unknown[]) walk(item, i);
      return;
    }
    if (value === null || typeof value !== "object") {
      out.push(undefined);
      return;
    }
    walk((value as Record<string, unknown>)[parts[i] ?? ""], i + 1);
  };
  walk(doc, 0);
  return out.length === 0 ? [undefined] : out;
}

/** True when a dotted path is present in the document (even if its value is null). */
export function hasPath(doc: unknown, path: string): boolean {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    if (Array.isArray(value)) return (value as unknown[]).some((item) => hasPath(item, part));
    if (value === null || typeof value !== "object" || !(part in (value as object))) return false;
    value = (value as Record<string, unknown>)[part];
  }
  return true;
}

/** Sets a dotted path, creating the intermediate objects (used to seed upserts). */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (!isPlainObject(next)) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  target[parts[parts.length - 1] ?? ""] = value;
}

/** The document with `_id` first (a fresh one when missing), as the server stores it. */
export function withId(doc: Doc): Doc {
  if (Object.keys(doc)[0] === "_id") return doc;
  const { _id, ...rest } = doc;
  return { _id: _id === undefined ? new ObjectId() : (_id as unknown), ...rest };
}

/**
 * Replaces the codec's `DBRef` objects by the plain `{ $ref, $id, $db?, ... }` documents they are on
 * the wire, so queries such as `{ "members.$id": id }` see the fields MongoDB sees (the class keeps
 * them as `collection`/`oid`). Written back, the plain form encodes to the same bytes.
 */
export function plainDbRefs<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof DBRef) {
    const plain: Record<string, unknown> = { $ref: value.collection, $id: plainDbRefs(value.oid) };
    if (value.db) plain.$db = value.db;
    for (const [key, item] of Object.entries(value.fields)) plain[key] = plainDbRefs(item);
    return plain as T;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    const items = value as unknown[];
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i];
      const converted = plainDbRefs(item);
      if (converted !== item) (copy ??= [...items])[i] = converted;
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  // for…in, not Object.entries: every command passes through here, and the entries arrays were
  // a twentieth of the bytes a save's update allocated (issue 17).
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const item = value[key];
    const converted = plainDbRefs(item);
    if (converted !== item)
      Object.defineProperty(value, key, {
        value: converted,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return value;
}
