import type { Document } from "bson";
import { rangeMatches, rangePredicate, type RangeOperator } from "./engine.js";
import { isPlainObject, type Doc } from "./storage/values.js";

/**
 * A predicate for the filters every save and claim sends (`{_id: …, chainN: 5, status: "…",
 * pausedAt: null, deadline: {$gte: …}, "answers.3.seq": {$lt: 7}}`) and every batch read sends
 * (`{$or: [{province: …, recordId: {$in: […]}}, {idNumber: {$in: […]}}]}`) that needs no engine
 * query: building a mingo Query per command (it copies the engine's operator tables each time)
 * was a fifth of the stand-in's CPU per save, for filters whose every value is new; and the
 * engine's `$in` hashes its whole operand again for every document it tests (a round of 500
 * records read ~1,000 documents, each hashing two 500-value lists).
 *
 * Only plain conditions qualify: equality (`field: v` or `{$eq: v}`), `$ne` and `$in` with
 * strings, finite numbers, booleans, null or Dates (an `$in` list is put in a set once, here), the
 * range operators and `$not` of them, which run the stand-in's own range predicates (the same
 * functions the engine calls), and `$and`/`$or` of such conditions. A save's filter restates that
 * its seq was not received (`seen: {$ne: 7}, seenUpTo: {$not: {$gte: 7}}`); without `$ne` and
 * `$not` here every save went back to an engine compile (issue 17). Equality, `$ne` and `$in` are
 * decided here only where the path meets plain sub-documents and ends at such a scalar, nothing,
 * or (equality and `$ne`) an array of such scalars; anywhere else (an array on the way, an
 * ObjectId, Long, Decimal128…) the document is tested by `full`, the engine's predicate,
 * so every answer is the one the engine gives. Returns null for any other filter (other operators,
 * sub-document values…): the caller compiles it as before.
 */
export function fastPredicate(
  filter: Document,
  full: () => (doc: Doc) => boolean,
): ((doc: Doc) => boolean) | null {
  const test = conjunction(filter);
  if (!test) return null;
  let engine: ((doc: Doc) => boolean) | null = null;
  return (doc) => {
    const answer = test(doc);
    return answer === UNSURE ? (engine ??= full())(doc) : answer;
  };
}

/**
 * The shape of a filter whose test can be shared by every filter of that shape: top-level field
 * conditions only, each `field: v`, `{$eq: v}`, `{$ne: v}`, range operators or `$not` of them, with plain scalar operands
 * (`isPlainScalar`). The key lists the fields and operators in order and each operand's kind
 * (string, number, flag, null or date); what the filter's guard, its support check and its test
 * do depends on nothing else, so they are worked out once per shape and the operands read from
 * each filter (`shapeTest`). Every save sends such a filter with new values, and building the
 * guard and the test per statement was its compile's whole cost (issue 17). Null for any other
 * filter (`$in`, `$and`, `$or`, sub-documents, NaN…), which is compiled as before.
 *
 * A field name never holds a NUL (BSON names are C strings), so NUL separates the parts.
 */
export function shapeKey(filter: Document): string | null {
  let key = "";
  for (const field in filter) {
    if (!Object.prototype.hasOwnProperty.call(filter, field)) continue;
    if (!plainFieldName(field)) return null;
    const condition: unknown = filter[field];
    if (isPlainObject(condition)) {
      key += field + "\u0000{";
      let ops = 0;
      for (const op in condition) {
        if (!Object.prototype.hasOwnProperty.call(condition, op)) continue;
        if (op === "$not") {
          const inner = rangesKey(condition[op]);
          if (inner === null) return null;
          key += "$not\u0000" + inner;
          ops += 1;
          continue;
        }
        if (op !== "$eq" && op !== "$ne" && !RANGES.has(op)) return null;
        const kind = scalarKind(condition[op]);
        if (kind === null) return null;
        key += op + "\u0000" + kind;
        ops += 1;
      }
      if (ops === 0) return null;
      key += "}\u0000";
    } else {
      const kind = scalarKind(condition);
      if (kind === null) return null;
      key += field + "\u0000=" + kind + "\u0000";
    }
  }
  return key;
}

/**
 * The key part of a `$not` operand the fast path takes: a non-empty object of range operators with
 * plain scalar operands (`{$gte: 7}`, `{$gt: 1, $lt: 9}`); null for anything else (`$not` of a
 * regular expression, of `$in`, of equality…), which the engine decides.
 */
function rangesKey(operand: unknown): string | null {
  if (!isPlainObject(operand)) return null;
  let key = "{";
  let ops = 0;
  for (const op in operand) {
    if (!Object.prototype.hasOwnProperty.call(operand, op)) continue;
    if (!RANGES.has(op)) return null;
    const kind = scalarKind(operand[op]);
    if (kind === null) return null;
    key += op + "\u0000" + kind;
    ops += 1;
  }
  return ops === 0 ? null : key + "}";
}

/**
 * What `conjunction` accepts as a field: no operator, no empty name or part (no leading, trailing
 * or doubled dot), read without splitting it (this runs for every field of every statement).
 */
function plainFieldName(field: string): boolean {
  if (field === "" || field.charCodeAt(0) === 36 /* $ */) return false;
  if (field.charCodeAt(0) === 46 || field.charCodeAt(field.length - 1) === 46 /* . */) return false;
  return !field.includes("..");
}

/** One letter per kind of plain scalar (`isPlainScalar`); null for anything else. */
function scalarKind(value: unknown): string | null {
  if (value === null) return "z";
  if (typeof value === "string") return "s";
  if (typeof value === "boolean") return "b";
  if (typeof value === "number") return Number.isNaN(value) ? null : "n";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : "d";
  return null;
}

/** A test shared by every filter of one shape: its operands are read from the filter it is given. */
export type ShapeTest = (doc: Doc, filter: Document) => Answer;

/**
 * The test of a filter's shape (`shapeKey` not null): the same conditions `conjunction` builds,
 * with each operand read from the filter at the test (`filter[field]`, or its `$eq`/range
 * operand), never captured from the filter that built it.
 */
export function shapeTest(filter: Document): ShapeTest {
  const tests: ShapeTest[] = [];
  for (const field in filter) {
    if (!Object.prototype.hasOwnProperty.call(filter, field)) continue;
    const parts = field.split(".");
    const condition: unknown = filter[field];
    if (!isPlainObject(condition)) {
      tests.push((doc, f) => equalTo(doc, parts, f[field]));
      continue;
    }
    for (const op in condition) {
      if (!Object.prototype.hasOwnProperty.call(condition, op)) continue;
      if (op === "$eq") tests.push((doc, f) => equalTo(doc, parts, (f[field] as Document).$eq));
      else if (op === "$ne") tests.push((doc, f) => negated(equalTo(doc, parts, (f[field] as Document).$ne)));
      else if (op === "$not") {
        const ranges = Object.keys(condition.$not as Document) as RangeOperator[];
        tests.push((doc, f) => !allRanges(ranges, parts, (f[field] as Document).$not as Document, doc));
      } else
        tests.push((doc, f) =>
          rangeMatches(op as RangeOperator, parts, (f[field] as Document)[op], doc),
        );
    }
  }
  return (doc, f) => {
    let unsure = false;
    for (const test of tests) {
      const answer = test(doc, f);
      if (answer === false) return false;
      if (answer === UNSURE) unsure = true;
    }
    return unsure ? UNSURE : true;
  };
}

/** What a shape's test says of a document for one filter: true, false, or null where only the engine can tell. */
export function shapeAnswer(test: ShapeTest, doc: Doc, filter: Document): boolean | null {
  const answer = test(doc, filter);
  return answer === UNSURE ? null : answer;
}

/** What a condition says of a document: matches, does not, or only the engine can tell. */
type Answer = boolean | typeof UNSURE;
type Test = (doc: Doc) => Answer;

/** Every condition of `filter` must hold; null when any is not a plain one. */
function conjunction(filter: Document): Test | null {
  const tests: Test[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field === "$and" || field === "$or") {
      const clauses = logical(condition);
      if (!clauses) return null;
      tests.push(field === "$and" ? all(clauses) : any(clauses));
      continue;
    }
    if (field.startsWith("$") || field === "" || field.split(".").some((part) => part === "")) return null;
    const parts = field.split(".");
    if (isPlainObject(condition)) {
      const ops = Object.entries(condition);
      if (ops.length === 0) return null;
      for (const [op, operand] of ops) {
        if (op === "$eq" && isPlainScalar(operand)) tests.push(equality(parts, operand));
        else if (op === "$ne" && isPlainScalar(operand)) tests.push(inequality(parts, operand));
        else if (op === "$not" && rangesKey(operand) !== null) tests.push(outsideRanges(parts, operand as Document));
        else if (op === "$in" && Array.isArray(operand) && operand.every(isPlainScalar))
          tests.push(membership(parts, operand));
        else if (RANGES.has(op) && isPlainScalar(operand))
          tests.push(rangePredicate(op as RangeOperator, field, operand));
        else return null;
      }
    } else if (isPlainScalar(condition)) tests.push(equality(parts, condition));
    else return null;
  }
  return all(tests);
}

/** The clauses of `$and`/`$or` (a non-empty array of filters), each a conjunction; else null. */
function logical(condition: unknown): Test[] | null {
  if (!Array.isArray(condition) || condition.length === 0) return null;
  const clauses: Test[] = [];
  for (const clause of condition as unknown[]) {
    const test = isPlainObject(clause) ? conjunction(clause as Document) : null;
    if (!test) return null;
    clauses.push(test);
  }
  return clauses;
}

/** False as soon as one test is false (as before: a definite miss needs no engine); else unsure if any is. */
function all(tests: Test[]): Test {
  return (doc) => {
    let unsure = false;
    for (const test of tests) {
      const answer = test(doc);
      if (answer === false) return false;
      if (answer === UNSURE) unsure = true;
    }
    return unsure ? UNSURE : true;
  };
}

function any(tests: Test[]): Test {
  return (doc) => {
    let unsure = false;
    for (const test of tests) {
      const answer = test(doc);
      if (answer === true) return true;
      if (answer === UNSURE) unsure = true;
    }
    return unsure ? UNSURE : false;
  };
}

function equality(parts: string[], value: unknown): Test {
  return (doc) => equalTo(doc, parts, value);
}

/**
 * `$ne`: the negation of equality, decided wherever equality is (an array of plain scalars at the
 * path's end included, which is what a save's `seen: {$ne: seq}` meets).
 */
function inequality(parts: string[], value: unknown): Test {
  return (doc) => negated(equalTo(doc, parts, value));
}

function negated(answer: Answer): Answer {
  return answer === UNSURE ? UNSURE : !answer;
}

/**
 * `$not` of range operators: true unless every range holds. The ranges are the stand-in's own
 * predicates, which decide every value (arrays included), so the negation is always definite.
 */
function outsideRanges(parts: string[], ranges: Document): Test {
  const ops = Object.keys(ranges) as RangeOperator[];
  return (doc) => !allRanges(ops, parts, ranges, doc);
}

function allRanges(ops: RangeOperator[], parts: string[], ranges: Document, doc: Doc): boolean {
  for (const op of ops) if (!rangeMatches(op, parts, ranges[op], doc)) return false;
  return true;
}

/**
 * Equality with a plain scalar. At the path's end an array of plain scalars matches when one of
 * its elements equals the value (an array never equals a scalar itself); an array anywhere else,
 * or holding anything but plain scalars, is the engine's to decide.
 */
function equalTo(doc: Doc, parts: string[], value: unknown): Answer {
  const found = plainValueAt(doc, parts, true);
  if (found === UNSURE) return UNSURE;
  if (!Array.isArray(found)) return sameScalar(found, value);
  for (const element of found as unknown[]) if (sameScalar(element, value)) return true;
  return false;
}

/**
 * `$in` of plain scalars, its list hashed once: strings, numbers and booleans by value (a Set
 * compares 0 and -0 as equal, as MongoDB does), dates by their time, null matching missing too.
 */
function membership(parts: string[], values: unknown[]): Test {
  const plain = new Set<unknown>();
  const times = new Set<number>();
  let nullable = false;
  for (const v of values) {
    if (v === null) nullable = true;
    else if (v instanceof Date) times.add(v.getTime());
    else plain.add(v);
  }
  return (doc) => {
    const found = plainValueAt(doc, parts);
    if (found === UNSURE) return UNSURE;
    if (found === null || found === undefined) return nullable;
    return found instanceof Date ? times.has(found.getTime()) : plain.has(found);
  };
}

const RANGES = new Set(["$gt", "$gte", "$lt", "$lte"]);
const UNSURE = Symbol("unsure");

/** Values an equality is decided on here; NaN and invalid dates go to the engine. */
function isPlainScalar(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return !Number.isNaN(value);
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/**
 * The scalar at `parts` through plain sub-documents (undefined: missing), or UNSURE. With
 * `scalarArrays`, an array of plain scalars at the end is returned as it is (equality looks into it).
 */
function plainValueAt(doc: Doc, parts: string[], scalarArrays = false): unknown {
  let current: unknown = doc;
  for (const part of parts) {
    if (current === undefined || current === null) return undefined;
    if (!isPlainObject(current)) return UNSURE;
    // An inherited name (`constructor`, `__proto__`) is left to the engine.
    if (!Object.hasOwn(current, part)) {
      if (part in current) return UNSURE;
      return undefined;
    }
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return current;
  if (scalarArrays && Array.isArray(current)) return current.every(isPlainScalar) ? current : UNSURE;
  return isPlainScalar(current) ? current : UNSURE;
}

/** Equality as the engine decides it for plain scalars: null matches missing, dates by time. */
function sameScalar(found: unknown, wanted: unknown): boolean {
  if (wanted === null) return found === null || found === undefined;
  if (wanted instanceof Date) return found instanceof Date && found.getTime() === wanted.getTime();
  return found === wanted;
}
