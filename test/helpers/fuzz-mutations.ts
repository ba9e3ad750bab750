import fc from "fast-check";
import { nastyValue } from "./fuzz-values.js";

/**
 * Malformed inputs built from a valid one: a nasty value at one of its paths, a path removed, an
 * unknown property, raw bodies that are not the JSON expected, and the schema-driven cases that
 * break one constraint of the request schema each.
 */

type Path = (string | number)[];

/** Every path into `value` (objects and arrays, depth-limited), the root included. */
export function pathsOf(value: unknown, depth = 6, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (depth === 0 || value === null || typeof value !== "object") return out;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.slice(0, 3).map((v, i) => [i, v])
    : Object.entries(value).slice(0, 40);
  for (const [k, v] of entries) out.push(...pathsOf(v, depth - 1, [...at, k]));
  return out;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** `base` with the value at `path` replaced (`remove`: deleted). */
export function setAt(base: unknown, path: Path, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const root = clone(base) as Record<string | number, unknown>;
  let cur = root;
  for (const k of path.slice(0, -1)) {
    // Schema-driven cases reach optional properties the base leaves out: build their parents.
    if (cur[k] === null || typeof cur[k] !== "object") cur[k] = {};
    cur = cur[k] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (remove) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return root;
}

/** A body as sent: JSON (the normal case) or raw text under some content type. */
export type FuzzBody =
  | { kind: "json"; value: unknown; note: string }
  | { kind: "raw"; contentType: string; text: string; note: string };

const rawBodies: fc.Arbitrary<FuzzBody> = fc.constantFrom<FuzzBody>(
  { kind: "raw", contentType: "application/json", text: "{", note: "truncated JSON" },
  { kind: "raw", contentType: "application/json", text: '{"a":1,"a":2}', note: "duplicate keys" },
  { kind: "raw", contentType: "application/json", text: "\u0000", note: "NUL body" },
  { kind: "raw", contentType: "application/json", text: "[".repeat(100_000), note: "unclosed nesting" },
  {
    kind: "raw",
    contentType: "application/json",
    text: `"${"x".repeat(2_200_000)}"`,
    note: "over the body limit",
  },
  { kind: "raw", contentType: "application/json; charset=utf-16", text: "{}", note: "unsupported charset" },
  { kind: "raw", contentType: "text/plain", text: "hello", note: "text body" },
  {
    kind: "raw",
    contentType: "application/x-www-form-urlencoded",
    text: "a[b][c]=1&__proto__[x]=1",
    note: "form body",
  },
  {
    kind: "raw",
    contentType: "multipart/form-data; boundary=x",
    text: "--x\r\n\r\n--x--",
    note: "multipart body",
  },
);

/** A JSON Schema as zod and the OpenAPI documents write it (only what the mutations read). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  additionalProperties?: boolean | JsonSchema;
}

/**
 * Values that break one constraint of `schema` each (the schema-driven half): too long, too short,
 * outside the enum, wrong type, too many items, a missing required property, an unknown property.
 */
export function violationsOf(
  schema: JsonSchema,
  resolve: (s: JsonSchema) => JsonSchema = (s) => s,
): unknown[] {
  const s = resolve(schema);
  const out: unknown[] = [];
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (s.maxLength !== undefined) out.push("字".repeat(s.maxLength + 1), "x".repeat(s.maxLength + 1));
  if (s.minLength !== undefined && s.minLength > 0) out.push("x".repeat(s.minLength - 1));
  if (s.pattern !== undefined) out.push("\u202e", "0".repeat(64) + "\n", "Ａ１");
  if (s.enum) out.push(`${String(s.enum[0])} `, String(s.enum[0]).toUpperCase() + "_", 42);
  if (s.const !== undefined) out.push(typeof s.const === "string" ? `${s.const}x` : "x");
  if (s.minimum !== undefined) out.push(s.minimum - 1, s.minimum - 0.5);
  if (s.maximum !== undefined) out.push(s.maximum + 1, s.maximum + 0.5);
  if (types.includes("integer")) out.push(1.5, "1");
  if (types.includes("number")) out.push("1", "Infinity");
  if (types.includes("string")) out.push(1, { $gt: "" }, ["x"]);
  if (types.includes("boolean")) out.push("true", 1);
  if (types.includes("array")) {
    if (s.maxItems !== undefined) out.push(Array.from({ length: s.maxItems + 1 }, () => "x"));
    if (s.minItems !== undefined && s.minItems > 0) out.push([]);
    out.push({ 0: "x", length: 1 });
  }
  if (types.includes("object") || s.properties) out.push([], "object");
  return out;
}

/** Schema-driven cases for a whole body: each property's violations set in place, each required property removed, an unknown one added. */
export function schemaCases(
  base: unknown,
  schema: JsonSchema,
  resolve: (s: JsonSchema) => JsonSchema,
): FuzzBody[] {
  const out: FuzzBody[] = [];
  const walk = (s0: JsonSchema, path: Path, depth: number) => {
    const s = resolve(s0);
    for (const v of violationsOf(s, resolve))
      out.push({ kind: "json", value: setAt(base, path, v), note: `violates ${show(path)}` });
    if (depth > 5) return;
    for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])])
      walk(alt, path, depth + 1);
    if (s.properties) {
      for (const [k, p] of Object.entries(s.properties)) walk(p, [...path, k], depth + 1);
      for (const k of s.required ?? [])
        out.push({
          kind: "json",
          value: setAt(base, [...path, k], undefined, true),
          note: `missing ${show([...path, k])}`,
        });
      out.push({
        kind: "json",
        value: setAt(base, [...path, "unexpected"], "x"),
        note: `unknown property under ${show(path)}`,
      });
    }
    if (s.items) walk(s.items, [...path, 0], depth + 1);
  };
  walk(schema, [], 0);
  // Only cases whose path exists in the base (or its parent does), so each one differs from it in one place.
  return out.filter((c) => c.kind !== "json" || JSON.stringify(c.value) !== JSON.stringify(base));
}

function show(path: Path): string {
  return path.length ? path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("") : "(body)";
}

/**
 * Malformed bodies built from a valid one: a nasty value at one of its paths, a path removed, an
 * unknown property added, the whole body replaced, or raw bytes that are not the JSON expected.
 */
export function mutatedBodies(base: unknown): fc.Arbitrary<FuzzBody> {
  const paths = pathsOf(base);
  const objectPaths = paths.filter((p) => {
    let cur: unknown = base;
    for (const k of p) cur = (cur as Record<string | number, unknown>)[k];
    return cur !== null && typeof cur === "object" && !Array.isArray(cur);
  });
  const nonRoot = paths.filter((p) => p.length > 0);
  const options: fc.WeightedArbitrary<FuzzBody>[] = [
    {
      weight: 2,
      arbitrary: nastyValue.map((v) => ({ kind: "json", value: v, note: "whole body replaced" })),
    },
    { weight: 1, arbitrary: rawBodies },
  ];
  if (nonRoot.length) {
    options.push(
      {
        weight: 8,
        arbitrary: fc
          .tuple(fc.constantFrom(...nonRoot), nastyValue)
          .map(([p, v]) => ({ kind: "json", value: setAt(base, p, v), note: `nasty ${show(p)}` })),
      },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(...nonRoot)
          .map((p) => ({ kind: "json", value: setAt(base, p, undefined, true), note: `without ${show(p)}` })),
      },
    );
  }
  if (objectPaths.length) {
    options.push({
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...objectPaths),
          fc.constantFrom("$set", "__proto__", "role", "roles", "status", "_id", "provinceCode", "x"),
          nastyValue,
        )
        .map(([p, k, v]) => ({
          kind: "json",
          value: setAt(base, [...p, k], v),
          note: `extra ${show([...p, k])}`,
        })),
    });
  }
  return fc.oneof(...options);
}
