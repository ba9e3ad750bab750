import { Decimal128, Long, Timestamp } from "bson";
import { bsonEquals, compareBson, sortValue } from "../bson-order.js";
import { typeName } from "../bson-types.js";
import { CommandError, unsupported } from "../errors.js";
import {
  fitsInt64,
  integerOf,
  isIntLongOrDouble,
  numericKind,
  toBigInt,
  toDouble,
  widest,
  type NumericKind,
} from "../numeric-types.js";
import type { FilterCompiler } from "../positional.js";
import { deepClone, EMPTY_ARRAY_KEY, isPlainObject, pathValues, type Doc } from "../storage/values.js";
import { putField, show, valueAt, type Location } from "./paths.js";

/** What an operator needs besides its location and argument. */
interface OperatorContext {
  doc: Doc;
  /** The path as written, for messages. */
  path: string;
  compile: FilterCompiler;
}

/** One update operator applied at one concrete location. */
export type Operator = (at: Location, arg: unknown, ctx: OperatorContext) => void;

const set: Operator = (at, arg) => putField(at.container, at.key, deepClone(arg));

const unset: Operator = (at) => {
  if (Array.isArray(at.container)) {
    // Removing an element would shift the others: the server sets it to null instead.
    if (Number(at.key) < at.container.length) at.container[Number(at.key)] = null;
  } else delete at.container[at.key];
};

function arithmetic(
  name: "$inc" | "$mul",
  verb: string,
  combine: (a: number, b: number) => number,
): Operator {
  return (at, arg, ctx) => {
    if (arg instanceof Decimal128) throw unsupported("Decimal128 arithmetic");
    if (!isIntLongOrDouble(arg))
      throw new CommandError(
        "TypeMismatch",
        `Cannot ${verb} with non-numeric argument: {${ctx.path}: ${show(arg)}}`,
      );
    const current = valueAt(at);
    if (current instanceof Decimal128) throw unsupported("Decimal128 arithmetic");
    if (current !== undefined && !isIntLongOrDouble(current))
      throw new CommandError(
        "TypeMismatch",
        `Cannot apply ${name} to a value of non-numeric type. {_id: ${show(ctx.doc._id)}} has the field '${at.key}' of non-numeric type ${typeName(current)}`,
      );
    putField(at.container, at.key, arithmeticResult(name, current, arg, combine, ctx));
  };
}

/**
 * The result of `$inc`/`$mul` by the server's SafeNum rules (arithmetic_node.cpp): ints and longs
 * exactly, two int32s past that range a long, a long past int64 the server's BadValue (where
 * JavaScript's Long wrapped around silently), any double a double. A missing field counts as 0.
 */
function arithmeticResult(
  name: "$inc" | "$mul",
  current: unknown,
  arg: unknown,
  combine: (a: number, b: number) => number,
  ctx: OperatorContext,
): unknown {
  const currentKind = current === undefined ? "int" : (numericKind(current) as NumericKind);
  const kind = widest(currentKind, numericKind(arg) as NumericKind);
  if (current === undefined && name === "$mul") return kind === "long" ? Long.ZERO : 0;
  if (kind === "double") return combine(toDouble(current ?? 0), toDouble(arg));
  const a = toBigInt(current ?? 0);
  const b = toBigInt(arg);
  const result = name === "$inc" ? a + b : a * b;
  if (!fitsInt64(result))
    throw new CommandError(
      "BadValue",
      `Failed to apply ${name} operations to current value ((${currentKind === "long" ? "NumberLong" : "NumberInt"})${a}) for document {_id: ${show(ctx.doc._id)}}`,
    );
  return integerOf(kind, result);
}

function bound(wantLower: boolean): Operator {
  return (at, arg) => {
    const current = valueAt(at);
    const order = current === undefined ? -1 : compareBson(arg, current);
    if (current === undefined || (wantLower ? order < 0 : order > 0))
      putField(at.container, at.key, deepClone(arg));
  };
}

const currentDate: Operator = (at, arg, ctx) => {
  const kind = isPlainObject(arg) ? arg.$type : arg === true ? "date" : undefined;
  if (kind === "date") putField(at.container, at.key, new Date());
  else if (kind === "timestamp")
    putField(at.container, at.key, new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 }));
  else
    throw new CommandError(
      "BadValue",
      `The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {${ctx.path}: {$type: 'date'}}}`,
    );
};

/** The array at a location, creating it when missing; a non-array answers the operator's error. */
function arrayFor(at: Location, onNonArray: (value: unknown) => CommandError): unknown[] {
  const current = valueAt(at);
  if (current === undefined) {
    const created: unknown[] = [];
    putField(at.container, at.key, created);
    return created;
  }
  if (!Array.isArray(current)) throw onNonArray(current);
  return current as unknown[];
}

const PUSH_MODIFIERS = new Set(["$each", "$slice", "$sort", "$position"]);

const push: Operator = (at, arg, ctx) => {
  let each: unknown[] = [arg];
  let modifiers: Record<string, unknown> = {};
  if (isPlainObject(arg) && "$each" in arg) {
    for (const key of Object.keys(arg))
      if (!PUSH_MODIFIERS.has(key))
        throw new CommandError("BadValue", `Unrecognized clause in $push: ${key}`);
    if (!Array.isArray(arg.$each))
      throw new CommandError(
        "BadValue",
        `The argument to $each in $push must be an array but it was of type: ${typeName(arg.$each)}`,
      );
    each = arg.$each as unknown[];
    modifiers = arg;
  }
  const slice = modifiers.$slice === undefined ? undefined : pushInteger("$slice", modifiers.$slice);
  const given = modifiers.$position === undefined ? undefined : pushInteger("$position", modifiers.$position);
  // The array found may be the stored document's own (the caller does not copy it for `$push`):
  // it is only read, and the result is a new array of exactly its length. An event log grows by
  // one element per save, and appending to a copy made the copy, then a larger one.
  const current = arrayFor(
    at,
    (value) =>
      new CommandError(
        "BadValue",
        `The field '${at.key}' must be an array but is of type ${typeName(value)} in document {_id: ${show(ctx.doc._id)}}`,
      ),
  );
  const items = each.map((value) => deepClone(value));
  const position = given ?? current.length;
  const start = position < 0 ? Math.max(current.length + position, 0) : Math.min(position, current.length);
  let array =
    start === current.length
      ? current.concat(items)
      : current.slice(0, start).concat(items, current.slice(start));
  if (modifiers.$sort !== undefined) sortArray(array, modifiers.$sort);
  if (slice !== undefined)
    array = slice >= 0 ? array.slice(0, slice) : array.slice(Math.max(array.length + slice, 0));
  putField(at.container, at.key, array);
};

/**
 * `$slice` or `$position` of a `$push`: a number of integral value (an int, a long or a whole
 * double), as the server's parseIntegerElementToLong takes it. Anything else answers BadValue:
 * `Number()` read null and false as 0 (emptying the array), true as 1 and "2" as 2.
 */
function pushInteger(key: "$slice" | "$position", value: unknown): number {
  if (value instanceof Decimal128) throw unsupported(`a Decimal128 ${key}`);
  if (isIntLongOrDouble(value)) {
    const n = toDouble(value);
    if (Number.isInteger(n)) return n;
  }
  throw new CommandError(
    "BadValue",
    key === "$slice"
      ? `The value for $slice must be an integer value but was given type: ${typeName(value)}`
      : `The value for $position must be an integer value, not of type: ${typeName(value)}`,
  );
}

function sortArray(array: unknown[], spec: unknown): void {
  if (spec === 1 || spec === -1) {
    array.sort((a, b) => compareBson(a, b) * spec);
    return;
  }
  if (!isPlainObject(spec) || Object.keys(spec).length === 0)
    throw new CommandError(
      "BadValue",
      "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields",
    );
  const fields = Object.entries(spec).map(([field, direction]) => {
    if (direction !== 1 && direction !== -1)
      throw new CommandError("BadValue", "The $sort element value must be either 1 or -1");
    return { field, direction: direction as 1 | -1 };
  });
  const keyed = array.map((element, position) => ({
    element,
    position,
    keys: fields.map(({ field, direction }) => sortValue(pathValues(element, field, EMPTY_ARRAY_KEY), direction)),
  }));
  keyed.sort((a, b) => {
    for (const [i, { direction }] of fields.entries()) {
      const order = compareBson(a.keys[i], b.keys[i]) * direction;
      if (order !== 0) return order;
    }
    return a.position - b.position;
  });
  array.splice(0, array.length, ...keyed.map(({ element }) => element));
}

const addToSet: Operator = (at, arg) => {
  let each: unknown[] = [arg];
  if (isPlainObject(arg) && "$each" in arg) {
    if (!Array.isArray(arg.$each))
      throw new CommandError(
        "TypeMismatch",
        `The argument to $each in $addToSet must be an array but it was of type ${typeName(arg.$each)}`,
      );
    each = arg.$each as unknown[];
  }
  const array = arrayFor(
    at,
    (value) =>
      new CommandError(
        "BadValue",
        `Cannot apply $addToSet to non-array field. Field named '${at.key}' has non-array type ${typeName(value)}`,
      ),
  );
  for (const value of each) if (!array.some((item) => bsonEquals(item, value))) array.push(deepClone(value));
};

const pop: Operator = (at, arg, ctx) => {
  const n = Number(arg);
  if (n !== 1 && n !== -1)
    throw new CommandError("FailedToParse", `$pop expects 1 or -1, found: ${show(arg)}`);
  const current = valueAt(at);
  if (current === undefined) return;
  if (!Array.isArray(current))
    throw new CommandError(
      "TypeMismatch",
      `Path '${ctx.path}' contains an element of non-array type '${typeName(current)}'`,
    );
  if (n === 1) current.pop();
  else current.shift();
};

/** Operators that may appear first in a `$pull` condition on the element's value itself. */
const LOGICAL = new Set(["$and", "$or", "$nor", "$expr", "$where", "$text", "$comment", "$jsonSchema"]);

/**
 * `$pull`: a condition whose first key is a field name or a logical operator (`$or`, `$and`, ...)
 * is a query on each element as a document; an operator such as `$gte` or `$in` applies to the
 * element's value; anything else is an equality match.
 */
const pull: Operator = (at, arg, ctx) => {
  const current = valueAt(at);
  if (current === undefined) return;
  if (!Array.isArray(current)) throw new CommandError("BadValue", "Cannot apply $pull to a non-array value");
  let matches: (element: unknown) => boolean;
  const first = isPlainObject(arg) ? Object.keys(arg)[0] : undefined;
  if (isPlainObject(arg) && first !== undefined && (!first.startsWith("$") || LOGICAL.has(first))) {
    const query = ctx.compile(arg);
    matches = (element) => isPlainObject(element) && query(element);
  } else if (isPlainObject(arg) || arg instanceof RegExp || (arg as { _bsontype?: string } | null)?._bsontype === "BSONRegExp") {
    const query = ctx.compile({ value: arg });
    matches = (element) => query({ value: element });
  } else {
    // A plain value (a scalar or an array) removes the elements equal to it, compared whole: an
    // element that is an array holding the value is no match (the server's equality matcher).
    matches = (element) => bsonEquals(element, arg);
  }
  putKept(at, current as unknown[], (current as unknown[]).filter((element) => !matches(element)));
};

/**
 * `$pull`/`$pullAll` read the array they find, which may be the stored document's own (the caller
 * does not copy it for them), and put a new array only when an element goes: every save pulls
 * from its attempt's `seen` list, nearly always empty, and copying it anyway gave every new
 * version of the attempt one more array to carry (issue 17).
 */
function putKept(at: Location, current: unknown[], kept: unknown[]): void {
  if (kept.length !== current.length) putField(at.container, at.key, kept);
}

const pullAll: Operator = (at, arg) => {
  if (!Array.isArray(arg))
    throw new CommandError(
      "BadValue",
      `$pullAll requires an array argument but was given a ${typeName(arg)}`,
    );
  const current = valueAt(at);
  if (current === undefined) return;
  if (!Array.isArray(current)) throw new CommandError("BadValue", "Cannot apply $pull to a non-array value");
  const kept = (current as unknown[]).filter(
    (element) => !(arg as unknown[]).some((value) => bsonEquals(element, value)),
  );
  putKept(at, current as unknown[], kept);
};

const bit: Operator = (at, arg, ctx) => {
  if (!isPlainObject(arg) || Object.keys(arg).length === 0)
    throw new CommandError(
      "BadValue",
      `The $bit modifier is not compatible with a ${typeName(arg)}. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}`,
    );
  const current = valueAt(at);
  if (current !== undefined && !isInteger(current))
    throw new CommandError(
      "BadValue",
      `Cannot apply $bit to a value of non-integral type.{_id: ${show(ctx.doc._id)}} has the field ${at.key} of non-integer type ${typeName(current)}`,
    );
  let result = current === undefined ? 0n : toBigInt(current);
  for (const [op, operand] of Object.entries(arg)) {
    if (!isInteger(operand))
      throw new CommandError(
        "BadValue",
        `The $bit modifier field must be an Integer(32/64 bit); a '${typeName(operand)}' is not supported here`,
      );
    const value = toBigInt(operand);
    if (op === "and") result &= value;
    else if (op === "or") result |= value;
    else if (op === "xor") result ^= value;
    else
      throw new CommandError(
        "BadValue",
        `The $bit modifier only supports 'and', 'or', and 'xor', not '${op}' which is an unknown operator: {${op}: ${show(operand)}}`,
      );
  }
  putField(
    at.container,
    at.key,
    current instanceof Long ? Long.fromBigInt(result) : Number(BigInt.asIntN(32, result)),
  );
};

/** An int or long: an integral stored number, a Long (not a Timestamp, its subclass) or an Int32. */
function isInteger(value: unknown): boolean {
  const kind = numericKind(value);
  return kind === "int" || kind === "long" || (typeof value === "number" && Number.isInteger(value));
}

/** The update operators and what each does at one location; `$rename` is handled by the caller. */
export const OPERATORS: Record<string, Operator> = {
  $set: set,
  $setOnInsert: set,
  $unset: unset,
  $inc: arithmetic("$inc", "increment", (a, b) => a + b),
  $mul: arithmetic("$mul", "multiply", (a, b) => a * b),
  $min: bound(true),
  $max: bound(false),
  $currentDate: currentDate,
  $push: push,
  $addToSet: addToSet,
  $pop: pop,
  $pull: pull,
  $pullAll: pullAll,
  $bit: bit,
};

/** Operators that only change what exists: a path they cannot reach is a no-op, not an error. */
export const NON_CREATING = new Set(["$unset", "$pop", "$pull", "$pullAll"]);
