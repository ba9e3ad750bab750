import { evalExpr } from "mingo/core";
import type * as expressionOperators from "mingo/operators/expression";
import type { AnyObject } from "mingo/types";
import { CommandError, unsupported } from "./errors.js";
import { numericKind } from "./numeric-types.js";
import { isPlainObject } from "./storage/values.js";

/**
 * The server's BSON type aliases and numbers (the manual's "BSON Types" table; bsontypes.cpp),
 * which the query `$type` takes and the `$type` expression answers.
 */
const TYPE_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
});

const ALIAS_OF_NUMBER = new Map(Object.entries(TYPE_NUMBERS).map(([alias, n]) => [n, alias]));

/** The bson classes' tags by the server's names; a `Code` with a scope is javascriptWithScope. */
const NAME_OF_TAG: Readonly<Record<string, string>> = {
  ObjectId: "objectId",
  Binary: "binData",
  Long: "long",
  Int32: "int",
  Double: "double",
  Decimal128: "decimal",
  Timestamp: "timestamp",
  BSONRegExp: "regex",
  BSONSymbol: "symbol",
  MinKey: "minKey",
  MaxKey: "maxKey",
  // A DBRef is a document with $ref and $id to the server.
  DBRef: "object",
};

/** Beyond this a JavaScript number can only have been a double (an int64 stops below 2^63). */
const TWO_POW_63 = 2 ** 63;

/**
 * The server's type name of a value, "missing" for undefined; null for a whole JavaScript number
 * in the int64 range, which the codec reads alike from an int32, an int64 and a double (README,
 * "Known simplifications"), so its type is not known. A fraction, NaN, an infinity, -0 or a
 * magnitude past int64 can only be a double.
 */
export function bsonTypeName(value: unknown): string | null {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) && !Object.is(value, -0) && Math.abs(value) < TWO_POW_63
        ? null
        : "double";
    default:
  }
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regex";
  if (isPlainObject(value)) return "object";
  const tagged = value as { _bsontype?: unknown; scope?: unknown };
  const tag = typeof tagged._bsontype === "string" ? tagged._bsontype : "";
  if (tag === "Code") return tagged.scope ? "javascriptWithScope" : "javascript";
  const name = NAME_OF_TAG[tag];
  // Anything else is no value the codec makes: refused rather than named wrongly.
  if (name === undefined) throw unsupported(`$type of a ${tag || typeof value} value`);
  return name;
}

/**
 * A value's type name as the server's error messages give it (typeName(BSONType)): the names
 * above, a whole number named by the type its bytes would have (an int in the int32 range, else
 * a double), as the codec writes it.
 */
export function typeName(value: unknown): string {
  return bsonTypeName(value) ?? (numericKind(value) as string);
}

/** What a query `$type` asks for: type names, and whether "number" (any numeric type). */
export interface TypeSet {
  names: Set<string>;
  anyNumber: boolean;
}

/**
 * The query `$type` argument as the server parses it (expression_parser.cpp parseType,
 * matcher_type_set.cpp): an alias, "number", a type number, or an array of them, at least one.
 */
export function parseTypeSet(path: string, wanted: unknown): TypeSet {
  if (!Array.isArray(wanted) && typeof wanted !== "number" && typeof wanted !== "string")
    throw new CommandError("TypeMismatch", "argument to $type is not a number or a string");
  const items = Array.isArray(wanted) ? (wanted as unknown[]) : [wanted];
  if (items.length === 0) throw new CommandError("FailedToParse", `${path} must match at least one type`);
  const set: TypeSet = { names: new Set(), anyNumber: false };
  for (const item of items) {
    if (item === "number") set.anyNumber = true;
    else if (typeof item === "string") {
      if (!Object.prototype.hasOwnProperty.call(TYPE_NUMBERS, item))
        throw new CommandError("BadValue", `Unknown type name alias: ${item}`);
      set.names.add(item);
    } else if (typeof item === "number") {
      const alias = Number.isInteger(item) ? ALIAS_OF_NUMBER.get(item) : undefined;
      // 0 is the server's end-of-object type: a valid code that no value has.
      if (alias === undefined && item !== 0)
        throw new CommandError("BadValue", `Invalid numerical type code: ${item}`);
      if (alias !== undefined) set.names.add(alias);
    } else throw new CommandError("TypeMismatch", "type must be represented as a number or a string");
  }
  return set;
}

type Options = Parameters<typeof expressionOperators.$type>[2];

/**
 * The `$type` expression (ExpressionType): one operand, its server type name, "missing" for no
 * value. The engine's answered "objectid", "binary", "minkey", "code" and took `{$type: ["$a"]}`
 * for an array. A whole stored number is refused: its int32, int64 or double type is not kept.
 */
function $type(obj: AnyObject, expr: unknown, options: Options): string {
  let operand = expr;
  if (Array.isArray(expr)) {
    if (expr.length !== 1)
      throw new CommandError(
        "Location16020",
        `Expression $type takes exactly 1 arguments. ${expr.length} were passed in.`,
      );
    operand = expr[0] as unknown;
  }
  const name = bsonTypeName(evalExpr(obj, operand, options));
  if (name === null)
    throw unsupported("$type of a whole number (its wire type, int32, int64 or double, is not kept)");
  return name;
}

/** The expressions that name BSON types, by name. */
export const TYPE_EXPRESSIONS = { $type };
