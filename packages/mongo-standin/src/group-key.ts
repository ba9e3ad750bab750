import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { unsupported } from "./errors.js";
import { exactDouble, isPlainObject, valueKey } from "./storage/values.js";

/** The largest magnitude a Long may have and still equal a JavaScript number exactly. */
const EXACT_LONG = Long.fromNumber(Number.MAX_SAFE_INTEGER);

/**
 * A string that is the same for two values exactly when the server's BSON equality says they are
 * equal, as `$group` and `$addToSet` tell values apart: numbers by value across their types (-0 is
 * 0, NaN is NaN), strings by content, documents field by field in their order (`{x: 1, y: 2}` is
 * not `{y: 2, x: 1}`, though the engine groups them together), arrays element by element, and null
 * and missing alike. A field whose value is missing is left out and a missing element is null, as
 * the reply's bytes will have them. A decimal no double holds is refused, as bson-order.ts does.
 */
export function equalityKey(value: unknown): string {
  if (value === null || value === undefined) return "n";
  if (typeof value === "number") return `d:${value}`;
  if (typeof value === "string") return `s:${JSON.stringify(value)}`;
  if (typeof value === "boolean") return `b:${value}`;
  if (value instanceof Date) return `t:${value.getTime()}`;
  if (value instanceof ObjectId) return `o:${value.toHexString()}`;
  if (value instanceof Int32 || value instanceof Double) return `d:${value.valueOf()}`;
  if (value instanceof Decimal128) {
    const exact = exactDouble(value.toString());
    if (exact === null)
      throw unsupported(`grouping by the Decimal128 ${value.toString()}, which no double holds exactly`);
    return `d:${exact}`;
  }
  // bson's Timestamp is a subclass of Long but no number: its own key below.
  if (value instanceof Long && (value as { _bsontype?: string })._bsontype === "Long") {
    if (value.greaterThan(EXACT_LONG) || value.lessThan(EXACT_LONG.negate()))
      throw unsupported("grouping by Long values beyond 2^53");
    return `d:${value.toNumber()}`;
  }
  if (Array.isArray(value)) return `[${(value as unknown[]).map(equalityKey).join(",")}]`;
  if (isPlainObject(value)) {
    const fields: string[] = [];
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key) || value[key] === undefined) continue;
      fields.push(`${JSON.stringify(key)}:${equalityKey(value[key])}`);
    }
    return `{${fields.join(",")}}`;
  }
  // Binary, Timestamp, regular expressions, MinKey/MaxKey…: equal only to the same type and content.
  return `x:${valueKey(value)}`;
}
