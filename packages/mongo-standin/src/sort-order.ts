import { Decimal128, type Document } from "bson";
import { compareBson, sortValue } from "./bson-order.js";
import { CommandError, unsupported } from "./errors.js";
import { EMPTY_ARRAY_KEY, isPlainObject, pathValues, type Doc } from "./storage/values.js";

/** One key of a sort specification. */
interface SortField {
  field: string;
  direction: 1 | -1;
}

/** A sort specification's keys, checked as the server checks them (15974); `$meta` sorts are refused. */
function sortFields(sort: Document): SortField[] {
  return Object.entries(sort).map(([field, direction]) => {
    if (isPlainObject(direction)) throw unsupported(`sorting by ${JSON.stringify(direction)}`);
    const n = Number(direction);
    if (n !== 1 && n !== -1)
      throw new CommandError(
        "Location15974",
        "$sort key ordering must be 1 (for ascending) or -1 (for descending)",
      );
    return { field, direction: n as 1 | -1 };
  });
}

/**
 * A stable sort in MongoDB's order (type brackets, strings by UTF-8 bytes, Binary by
 * length/subtype/bytes, an array by its smallest element ascending and largest descending, a
 * missing field as null). Used by find's sort, the `$sort` stage and the accumulators that take a
 * `sortBy` (`$top`, `$bottom`…), so that all of them order alike. Sorting Decimal128 is refused.
 */
export function sortDocuments(docs: Doc[], sort: Document): Doc[] {
  const fields = sortFields(sort);
  const keyed = docs.map((doc, position) => {
    const keys = fields.map(({ field, direction }) => {
      const values = pathValues(doc, field, EMPTY_ARRAY_KEY);
      if (values.some((v) => v instanceof Decimal128)) throw unsupported("sorting on Decimal128 values");
      return sortValue(values, direction);
    });
    return { doc, position, keys };
  });
  keyed.sort((a, b) => {
    for (const [i, { direction }] of fields.entries()) {
      const order = compareBson(a.keys[i], b.keys[i]) * direction;
      if (order !== 0) return order;
    }
    return a.position - b.position;
  });
  return keyed.map(({ doc }) => doc);
}
