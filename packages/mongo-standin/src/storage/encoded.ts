import {
  Binary,
  calculateObjectSize,
  Decimal128,
  deserialize,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
} from "bson";
import { knownSize } from "../update/size-bound.js";
import type { Doc } from "./values.js";

/**
 * Cold documents kept as their BSON bytes (issue 17). A Buffer's bytes live outside the V8 heap, so
 * a mark-compact does not walk them: at 5,000 candidates the frozen papers alone were about 105 KB
 * of live heap per candidate (52 KB of BSON each), and marking that heap held the stand-in's loop
 * 599 ms once. A document is encoded only when decoding its bytes gives back exactly the stored
 * object (same fields in the same order, same values of the same classes); anything else stays
 * an object, so reads never see a difference.
 */

/** Documents smaller than this stay objects: their bytes would save little and cost a decode. */
const MIN_ENCODED_BYTES = 16 * 1024;

/**
 * The document's BSON bytes when decoding them (with the wire layer's options) gives back an
 * equal object, else null. Refused: `undefined` (written as null), lone surrogates (written as
 * U+FFFD), invalid dates (written as the epoch), `Long`/`Int32`/`Double` objects (promoted to
 * numbers on decode), `{ $ref, $id }` shapes (decoded as `DBRef`), a `Binary` of subtype 4 (one
 * of 16 bytes is decoded as a `UUID`), regular expressions (flags differ), sparse arrays, objects
 * without `Object.prototype`, and any class not listed below.
 */
export function encodeExact(doc: Doc, minBytes = MIN_ENCODED_BYTES): Buffer | null {
  // The size first: most documents are small, and an updated one has a known bound (an upper
  // bound: a document under it is certainly under the threshold).
  if (minBytes > 0 && (knownSize(doc) ?? calculateObjectSize(doc)) < minBytes) return null;
  if (!exactlyEncodable(doc, 0)) return null;
  let bytes: Uint8Array;
  try {
    bytes = serialize(doc);
  } catch {
    return null; // e.g. a key holding a NUL byte, or nesting past the codec's limit
  }
  // serialize copies into a buffer of the exact size (not a pooled slice at these sizes).
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The stored object back from its bytes (as the wire layer decodes: numbers promoted). */
export function decodeStored(bytes: Buffer): Doc {
  return deserialize(bytes);
}

const MAX_DEPTH = 90;

/** No lone surrogate (Node 20 has the method; the project's TypeScript lib predates it). */
function wellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

function exactlyEncodable(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
      return wellFormed(value);
    case "number":
    case "boolean":
      return true;
    case "object":
      break;
    default:
      return false; // undefined, bigint, function, symbol
  }
  if (value === null) return true;
  if (depth > MAX_DEPTH) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const array = value as unknown[];
    if (Object.keys(array).length !== array.length) return false; // holes or extra properties
    for (const item of array) if (!exactlyEncodable(item, depth + 1)) return false;
    return true;
  }
  if (proto === Object.prototype) {
    const object = value as Record<string, unknown>;
    if ("$ref" in object || "$id" in object) return false;
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
      if (!wellFormed(key) || !exactlyEncodable(object[key], depth + 1)) return false;
    }
    return true;
  }
  if (proto === Date.prototype) return Number.isFinite((value as Date).getTime());
  if (proto === Binary.prototype) return (value as Binary).sub_type !== Binary.SUBTYPE_UUID;
  return (
    proto === ObjectId.prototype ||
    proto === Decimal128.prototype ||
    proto === Timestamp.prototype ||
    proto === UUID.prototype
  );
}
