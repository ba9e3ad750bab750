import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import fc from "fast-check";

/**
 * The fuzz sweep's shared pieces: how many inputs and which seed, the malformed values, the
 * bounded request, the refusal checks and the stored-data snapshot. The sweeps live in
 * test/integration/fuzz/.
 */

/**
 * Inputs per endpoint (spread over the roles): `FUZZ_RUNS`, else a count that keeps `npm test`
 * within its budget on two cores. `npm run fuzz` sets the 1,000.
 */
export const FUZZ_RUNS = positiveInt(process.env.FUZZ_RUNS, 25);
/** The seed every endpoint's seed is derived from; printed with every failure. */
export const FUZZ_SEED = positiveInt(process.env.FUZZ_SEED, 20261201);
/**
 * How much CPU time (ms) this process may spend while one request or ack stays unanswered before it
 * counts as a hang. The nodes, the database stand-in and the client all run in this process, so its
 * CPU time is the work done meanwhile: on a loaded machine wall time stretches (a password change,
 * two scrypt hashes of ~130 ms CPU each, took over 10 s at load 13-18 with four in flight) but the
 * work does not, so this bound does not flake under load and still catches a request the server
 * keeps busy without answering.
 */
export const FUZZ_TIMEOUT_MS = positiveInt(process.env.FUZZ_TIMEOUT_MS, 10_000);
/**
 * Wall time (ms) after which an unanswered request or ack is a hang even when the process did little
 * meanwhile: a handler waiting on a promise nobody settles spends no CPU at all.
 */
export const FUZZ_HANG_MS = positiveInt(process.env.FUZZ_HANG_MS, 120_000);

/**
 * A bound on one request or ack: `signal` aborts, with a HangError naming what was spent, once the
 * process has spent `cpuMs` of CPU (FUZZ_TIMEOUT_MS) or `wallMs` of wall time (FUZZ_HANG_MS) since
 * the bound began; `end()` when the answer came.
 */
export function hangBound(
  limits: { cpuMs: number; wallMs: number } = { cpuMs: FUZZ_TIMEOUT_MS, wallMs: FUZZ_HANG_MS },
): { signal: AbortSignal; end(): void } {
  const controller = new AbortController();
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = Date.now();
  const timer = setInterval(() => {
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    const wallMs = Date.now() - wallAtStart;
    if (cpuMs < limits.cpuMs && wallMs < limits.wallMs) return;
    clearInterval(timer);
    const load = loadavg()[0]?.toFixed(1) ?? "?";
    controller.abort(
      new HangError(`hang (no answer after ${cpuMs} ms of CPU, ${wallMs} ms of wall time, load ${load})`),
    );
  }, 100);
  timer.unref();
  return { signal: controller.signal, end: () => clearInterval(timer) };
}

/** The reason a bound gave up. */
export class HangError extends Error {
  override name = "HangError";
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A seed of its own per endpoint, so adding an endpoint does not change another's inputs. */
export function seedFor(label: string): number {
  return createHash("sha256").update(`${FUZZ_SEED}:${label}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/** How to reproduce: printed in every failure message. */
export function reproduce(label: string): string {
  return `reproduce with FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} (endpoint seed ${seedFor(label)}, ${label})`;
}

/** `count` inputs from `arb`, always the same for the same seed. */
export function samples<T>(arb: fc.Arbitrary<T>, label: string, count: number): T[] {
  return fc.sample(arb, { seed: seedFor(label), numRuns: count });
}

// ---------- malformed values ----------

const trickyStrings = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "\u202e\u200b",
  "𠀀".repeat(300),
  "x".repeat(70_000),
  "../../../etc/passwd",
  "%00",
  "%ZZ",
  "${7*7}{{7*7}}",
  "<script>alert(1)</script>",
  "=cmd|' /C calc'!A0",
  "' OR '1'='1",
  '{"$gt":""}',
  "$where",
  "__proto__",
  "constructor",
  "NaN",
  "Infinity",
  "-0",
  "1e400",
  "0x10",
  "true",
  "null",
  "undefined",
  "2026-02-30",
  "2026-13-01T25:61:61Z",
  "000000",
  "999999",
  "11010519491231002X",
  "ffffffffffffffffffffffff",
  "000000000000000000000000",
  "not-an-id",
];

/** Strings that break naive handlers: control and bidi characters, lone surrogates, huge, injections. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...trickyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 200, maxLength: 600 }) },
);

const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 31) - 1, 2 ** 31, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Mongo operators, prototype keys and nesting where a value should be. */
const nastyObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    { $gt: "" },
    { $ne: null },
    { $where: "sleep(1000)" },
    { $regex: ".*" },
    JSON.parse('{"__proto__":{"isAdmin":true}}') as unknown,
    { constructor: { prototype: { isAdmin: true } } },
    { toString: "x", valueOf: 1 },
    {},
  ),
  fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constant(deepNesting(3000)),
);

function deepNesting(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

const nastyArray: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 5 }),
  fc.constant(Array.from({ length: 20_000 }, (_, i) => `x${i}`)),
  fc.constant([null]),
);

/** Any wrong value: the property-based half of the sweep draws from this. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: nastyObject },
  { weight: 2, arbitrary: nastyArray },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A path segment where an id or code should be (already percent-encoded where needed). */
export const nastySegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "%ZZ",
    "..",
    "%2e%2e",
    "%2F",
    "%00",
    "%C0%AE",
    "x".repeat(5000),
    "ffffffffffffffffffffffff",
    "-1",
    "0",
    "%24gt",
    "constructor",
    "__proto__",
  ),
  nastyString.map((s) => encodeURIComponent(s.slice(0, 2000).toWellFormed())),
);

/** A query string (without `?`) that repeats, nests and overflows parameters. */
export const nastyQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "limit=-1",
    "limit=0",
    "limit=1e9",
    "limit=abc",
    "limit=1&limit=2",
    "limit[$gt]=0",
    "after=%00",
    "after[]=1",
    "page=-1&pageSize=100000",
    "q=%ZZ",
    "status=__proto__",
    "from=2026-02-30&to=1900-01-01",
    "month=2026-13",
    `q=${"x".repeat(10_000)}`,
    "__proto__[isAdmin]=1",
    "a=1&".repeat(2000),
  ),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          "q",
          "limit",
          "after",
          "status",
          "province",
          "month",
          "from",
          "categoryCode",
          "sessionId",
          "x",
        ),
        nastyString,
      ),
      { maxLength: 4 },
    )
    .map((pairs) =>
      pairs.map(([k, v]) => `${k}=${encodeURIComponent(v.slice(0, 3000).toWellFormed())}`).join("&"),
    ),
);

// ---------- mutations of a valid input ----------

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

// ---------- the outcome of one input ----------

const CODE = /^[a-z][a-z0-9_]*$/;
const CHINESE = /[\u3400-\u9fff]/;

/**
 * What is wrong with a refusal's error body, or null: `{ error: { code, message } }` with a
 * snake_case code that is not the opaque internal error, and a Chinese message.
 */
export function errorShapeProblem(body: unknown): string | null {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error !== "object") return `no error body: ${preview(body)}`;
  if (typeof error.code !== "string" || !CODE.test(error.code)) return `unstable code ${preview(error.code)}`;
  if (error.code === "internal_error") return "internal_error";
  if (typeof error.message !== "string" || !CHINESE.test(error.message))
    return `message not Chinese: ${preview(error.message)}`;
  return null;
}

export function preview(v: unknown, max = 200): string {
  let s: string;
  try {
    s = typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s === undefined ? "undefined" : s.length > max ? `${s.slice(0, max)}…(${s.length})` : s;
}

/** Collects problems, then fails once with the first few and how to reproduce them. */
export class FuzzProblems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
    // A long run reports at its end; with FUZZ_VERBOSE each problem shows as soon as it is found.
    if (process.env.FUZZ_VERBOSE) console.log(`      problem: ${problem.slice(0, 2000)}`);
  }
  report(label: string): string {
    return this.list.length
      ? `${this.list.length} problem(s); ${reproduce(label)}:\n${this.list.slice(0, 8).join("\n")}`
      : "";
  }
}
