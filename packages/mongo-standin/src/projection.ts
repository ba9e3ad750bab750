import type { Document } from "bson";
import { applyComputed, computes, type ComputedTree } from "./computed-paths.js";
import { CommandError, unsupported } from "./errors.js";
import { isPlainObject, putData, type Doc } from "./storage/values.js";

/** What a projection does to one top-level or nested field. */
type FieldRule =
  | { kind: "include" }
  | { kind: "exclude" }
  | { kind: "slice"; skip: number; limit: number | null }
  | { kind: "elemMatch"; matches: (element: unknown) => boolean }
  | { kind: "positional" }
  | { kind: "computed"; expression: unknown }
  | { kind: "nested"; rules: Map<string, FieldRule> };

/** A parsed find projection: inclusion or exclusion, with `_id` handled on its own. */
interface Projection {
  inclusion: boolean;
  rules: Map<string, FieldRule>;
  keepId: boolean;
  /** The computed (expression) fields, applied after the inclusions; null when there are none. */
  computed: ComputedTree | null;
  evaluate: ExpressionEvaluator;
}

/** Compiles a query over one array element for `$elemMatch` (documents and scalars alike). */
type ElementMatcher = (criteria: Document) => (element: unknown) => boolean;

/** Evaluates an aggregation expression against a whole document (undefined: missing). */
type ExpressionEvaluator = (expression: unknown, root: Doc) => unknown;

/**
 * Parses a find projection as MongoDB does: 1/true include, 0/false exclude, `{$slice}` slices an
 * array (and alone keeps every other field), `{$elemMatch}` and `field.$` keep the first matching
 * element (and make the projection an inclusion). `{_id: 1}` with no other inclusion or exclusion is
 * an inclusion. Mixing inclusion and exclusion (other than of `_id`) answers 31254/31253; `{$meta}`
 * is refused.
 */
export function parseProjection(
  spec: Document,
  elementMatcher: ElementMatcher,
  evaluate: ExpressionEvaluator,
): Projection {
  const rules = new Map<string, FieldRule>();
  let includes = 0;
  let excludes = 0;
  let keepId = true;
  let idIncluded = false;
  for (const [rawPath, value] of flattened(spec)) {
    let path = rawPath;
    let rule: FieldRule;
    if (isPlainObject(value)) {
      if ("$meta" in value) throw unsupported("$meta projections");
      if ("$slice" in value) rule = sliceRule(value.$slice);
      else if ("$elemMatch" in value) {
        if (path.includes("."))
          throw new CommandError("Location31275", "Cannot use $elemMatch projection on a nested field.");
        if (!isPlainObject(value.$elemMatch))
          throw new CommandError("BadValue", "elemMatch: Invalid argument, object required.");
        rule = { kind: "elemMatch", matches: elementMatcher(value.$elemMatch) };
        includes += 1;
      } else {
        // An operator expression (`{$literal: 5}`, `{$add: […]}`): a computed field.
        rule = { kind: "computed", expression: value };
        includes += 1;
      }
    } else if (typeof value !== "number" && typeof value !== "boolean") {
      // Any other value (a string such as "$field", an array, null…) is an expression too.
      rule = { kind: "computed", expression: value };
      includes += 1;
    } else if (path.endsWith(".$")) {
      path = path.slice(0, -2);
      rule = { kind: "positional" };
      includes += 1;
    } else {
      const on = value === true || (typeof value === "number" && value !== 0);
      if (path === "_id") {
        keepId = on;
        idIncluded = on;
        continue;
      }
      rule = on ? { kind: "include" } : { kind: "exclude" };
      if (on) includes += 1;
      else excludes += 1;
    }
    if (path === "_id" && rule.kind !== "include" && rule.kind !== "exclude") keepId = true;
    insertRule(rules, path.split("."), rule, rawPath);
  }
  if (includes > 0 && excludes > 0) {
    const excluded = Object.entries(spec).find(([key, v]) => key !== "_id" && (v === 0 || v === false));
    throw new CommandError(
      "Location31254",
      `Cannot do exclusion on field ${excluded?.[0] ?? "?"} in inclusion projection`,
    );
  }
  // `_id` alone decides only where no other field does: `{_id: 1}` (even beside a `$slice`) is an
  // inclusion, while `{_id: 1, a: 0}` stays an exclusion (the server's computeProjectionType).
  const computed = computedTree(rules);
  return {
    inclusion: includes > 0 || (excludes === 0 && idIncluded),
    rules,
    keepId,
    computed: computes(computed) ? computed : null,
    evaluate,
  };
}

/**
 * The projection's entries with nested objects spelled as dotted paths (`{a: {b: 1}}` is
 * `{"a.b": 1}`, as the server parses a sub-projection); an operator object stays a value.
 */
function flattened(spec: Document, prefix = ""): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(spec)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!isPlainObject(value)) {
      out.push([path, value]);
      continue;
    }
    const first = Object.keys(value)[0];
    if (first === undefined)
      throw new CommandError("BadValue", `An empty sub-projection is not a valid value. Found empty object at path ${path}`);
    if (first.startsWith("$")) out.push([path, value]);
    else out.push(...flattened(value, path));
  }
  return out;
}

/** The computed fields of the rules, as the tree computed-paths.ts applies. */
function computedTree(rules: Map<string, FieldRule>): ComputedTree {
  const tree: ComputedTree = new Map();
  for (const [field, rule] of rules) {
    if (rule.kind === "computed") tree.set(field, { kind: "expression", expression: rule.expression });
    else if (rule.kind === "nested") tree.set(field, { kind: "path", children: computedTree(rule.rules) });
  }
  return tree;
}

function sliceRule(value: unknown): FieldRule {
  if (typeof value === "number") {
    return value >= 0
      ? { kind: "slice", skip: 0, limit: value }
      : { kind: "slice", skip: value, limit: null };
  }
  if (Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === "number")) {
    const [skip, limit] = value as [number, number];
    if (limit <= 0) throw new CommandError("BadValue", `$slice limit must be positive, got ${limit}`);
    return { kind: "slice", skip, limit };
  }
  throw new CommandError("BadValue", "$slice only supports numbers and [skip, limit] arrays");
}

function insertRule(rules: Map<string, FieldRule>, parts: string[], rule: FieldRule, path: string): void {
  const [head = "", ...rest] = parts;
  const existing = rules.get(head);
  if (rest.length === 0) {
    if (existing) throw new CommandError("Location31250", `Path collision at ${path}`);
    rules.set(head, rule);
    return;
  }
  if (existing && existing.kind !== "nested")
    throw new CommandError("Location31250", `Path collision at ${path}`);
  const nested = existing ?? { kind: "nested" as const, rules: new Map<string, FieldRule>() };
  rules.set(head, nested);
  insertRule(nested.rules, rest, rule, path);
}

/**
 * Applies a parsed projection to a document, keeping the document's own field order (so `_id`
 * stays first). `positionalIndex` gives, per array path, the element the query matched.
 */
export function project(
  doc: Doc,
  projection: Projection,
  positionalIndex: (path: string) => number | null,
): Doc {
  let out = applyRules(doc, projection.rules, projection.inclusion, "", positionalIndex) as Doc;
  // Computed fields come after the inclusions, each evaluated against the whole document; find
  // leaves arrays nested in arrays as they are (computed-paths.ts).
  if (projection.computed)
    out = applyComputed(out, projection.computed, (expression) => projection.evaluate(expression, doc), "keep");
  if (!projection.keepId) delete out._id;
  else if (projection.inclusion && doc._id !== undefined && !("_id" in out)) {
    return { _id: doc._id, ...out };
  }
  return out;
}

function applyRules(
  doc: Record<string, unknown>,
  rules: Map<string, FieldRule>,
  inclusion: boolean,
  prefix: string,
  positionalIndex: (path: string) => number | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => putData(out, key, value);
  const late: Array<[string, unknown]> = [];
  // for…in and the path only where a rule needs it: every read by _id of an attempt projects its
  // fields here, and the entries arrays and defineProperty per field were a fifth of such a read's
  // CPU in the stand-in (issue 17).
  for (const key in doc) {
    if (!Object.prototype.hasOwnProperty.call(doc, key)) continue;
    const value = doc[key];
    const rule = rules.get(key);
    if (!rule) {
      if (!inclusion || (key === "_id" && prefix === "")) put(key, value);
      continue;
    }
    switch (rule.kind) {
      case "include":
        put(key, value);
        break;
      case "exclude":
      case "computed":
        // A computed field is set after the inclusions (`project`), not copied from the document.
        break;
      case "slice":
        put(key, Array.isArray(value) ? slice(value as unknown[], rule.skip, rule.limit) : value);
        break;
      case "elemMatch": {
        if (!Array.isArray(value)) break;
        const found = (value as unknown[]).find((element) => rule.matches(element));
        // The server puts an `$elemMatch` field after the other fields it keeps, wherever it
        // stands in the document (only top-level fields take one).
        if (found !== undefined) late.push([key, [found]]);
        break;
      }
      case "positional": {
        if (!Array.isArray(value)) break;
        const index = positionalIndex(prefix ? `${prefix}.${key}` : key);
        if (index === null)
          throw new CommandError(
            "BadValue",
            "Executor error during find command :: caused by :: positional operator '.$' couldn't find a matching element in the array",
          );
        put(key, [(value as unknown[])[index]]);
        break;
      }
      case "nested": {
        const nested = projectNested(value, rule.rules, inclusion, prefix ? `${prefix}.${key}` : key, positionalIndex);
        if (nested !== undefined) put(key, nested);
        break;
      }
    }
  }
  for (const [key, value] of late) put(key, value);
  return out;
}

/** A dotted rule under an array applies to each sub-document; scalars drop out of an inclusion. */
function projectNested(
  value: unknown,
  rules: Map<string, FieldRule>,
  inclusion: boolean,
  path: string,
  positionalIndex: (path: string) => number | null,
): unknown {
  if (Array.isArray(value)) {
    return (value as unknown[]).flatMap((item) => {
      if (isPlainObject(item)) return [applyRules(item, rules, inclusion, path, positionalIndex)];
      if (Array.isArray(item)) return [projectNested(item, rules, inclusion, path, positionalIndex)];
      return inclusion ? [] : [item];
    });
  }
  if (isPlainObject(value)) return applyRules(value, rules, inclusion, path, positionalIndex);
  return inclusion ? undefined : value;
}

function slice(values: unknown[], skip: number, limit: number | null): unknown[] {
  if (limit === null) return values.slice(skip);
  const start = skip < 0 ? Math.max(values.length + skip, 0) : skip;
  return values.slice(start, start + limit);
}
