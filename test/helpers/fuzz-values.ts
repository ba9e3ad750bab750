import fc from "fast-check";

/**
 * The fuzz sweep's malformed values: strings, numbers, objects and arrays that break naive
 * handlers, and the path segments and query strings built from them.
 */

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
