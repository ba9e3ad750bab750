import type { JsonSchema } from "./fuzz-mutations.js";

/** Strings tried, in order, for a schema's `pattern` (the first that matches is used). */
const PATTERN_CANDIDATES = [
  "320000",
  "01001",
  "pass:fuzz01",
  "20261102120000",
  "2026-11-02",
  "2026-11-02T08:00:00.000Z",
  "2026-11",
  "a".repeat(64),
  "00000000-0000-4000-8000-000000000000",
  "0123456789abcdef01234567",
  "320102198507162770",
  "A1",
  "x",
];

/** A plausible value for `schema`: consts, first enum members, the first alternative, minimum sizes. */
export function exampleOf(schema: JsonSchema, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alt = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alt) return exampleOf(alt, depth + 1);
  if (schema.allOf?.length)
    return Object.assign({}, ...(schema.allOf.map((s) => exampleOf(s, depth + 1)) as object[]));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "object" || schema.properties) {
    const out: Record<string, unknown> = {};
    if (depth > 8) return out;
    for (const [k, p] of Object.entries(schema.properties ?? {})) out[k] = exampleOf(p, depth + 1);
    return out;
  }
  if (type === "array")
    return schema.items
      ? Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
          exampleOf(schema.items as JsonSchema, depth + 1),
        )
      : [];
  if (type === "integer" || type === "number") return schema.minimum ?? 1;
  if (type === "boolean") return true;
  if (type === "null") return null;
  if (type === "string") {
    if (schema.format === "date-time") return "2026-11-02T08:00:00.000Z";
    if (schema.format === "date") return "2026-11-02";
    if (schema.pattern) {
      const re = new RegExp(schema.pattern, "u");
      const hit = PATTERN_CANDIDATES.find((c) => re.test(c));
      if (hit) return hit;
    }
    return "x".repeat(Math.max(1, schema.minLength ?? 1));
  }
  return null;
}

/** The JSON request body schema of `method path` in an OpenAPI document, if it has one. */
export function requestSchemaOf(doc: OpenApiDoc, path: string, method: string): JsonSchema | undefined {
  return doc.paths[path]?.[method]?.requestBody?.content?.["application/json"]?.schema;
}

export interface OpenApiDoc {
  servers?: { url: string }[];
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        parameters?: { in: string; name: string; schema?: JsonSchema }[];
      }
    >
  >;
}

/** Resolves local `$ref`s (`#/components/schemas/X`). */
export function resolverFor(doc: unknown): (s: JsonSchema) => JsonSchema {
  return (s) => {
    if (!s.$ref?.startsWith("#/")) return s;
    let cur: unknown = doc;
    for (const part of s.$ref.slice(2).split("/")) cur = (cur as Record<string, unknown>)[part];
    return (cur as JsonSchema | undefined) ?? s;
  };
}
