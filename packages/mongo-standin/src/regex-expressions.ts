import { evalExpr } from "mingo/core";
import type * as expressionOperators from "mingo/operators/expression";
import { CommandError } from "./errors.js";
import { isRegex, pcreExpressionPattern, regexParts } from "./pcre.js";
import { typeName } from "./bson-types.js";
import { isPlainObject } from "./storage/values.js";

type Operator = typeof expressionOperators.$regexMatch;
type Options = Parameters<Operator>[2];

/** One match as the server gives it: `idx` counts code points, an unmatched group is null. */
interface Match {
  match: string;
  idx: number;
  captures: (string | null)[];
}

/** The first match (`all` false) or every match of the pattern in the input. */
type Search = (all: boolean) => Match[];

const ARGUMENTS = new Set(["input", "regex", "options"]);

/**
 * `$regexMatch`, `$regexFind` and `$regexFindAll` as the server runs them (expression_regex.cpp):
 * the pattern read as PCRE by the same translation as a filter's `$regex` (pcre.ts), where the
 * engine ran JavaScript's RegExp on it as written (`abc$` then missed "abc\n", `.` missed "\r",
 * `\s` took U+00A0). The engine also counted `idx` in UTF-16 units, and its `$regexFindAll` cut
 * the input at each match (so `^` and lookbehinds met the cut) and looped forever on an empty one.
 */
function regexOperator(opName: string, answer: (search: Search | null) => unknown): Operator {
  return (obj, expr, options) => {
    if (!isPlainObject(expr))
      throw new CommandError(
        "Location51103",
        `${opName} expects an object of named arguments but found: ${typeName(expr)}`,
      );
    for (const key of Object.keys(expr))
      if (!ARGUMENTS.has(key))
        throw new CommandError("Location31024", `${opName} found an unknown argument: ${key}`);
    if (!("input" in expr)) throw new CommandError("Location31022", `${opName} requires 'input' parameter`);
    if (!("regex" in expr)) throw new CommandError("Location31023", `${opName} requires 'regex' parameter`);
    return answer(searcher(opName, obj, expr, options));
  };
}

/**
 * The input and the compiled pattern, validated in the server's order (regex, options, then
 * input); null when the input or the pattern is null or missing (the options are still checked).
 */
function searcher(
  opName: string,
  obj: unknown,
  expr: Record<string, unknown>,
  options: Options,
): Search | null {
  const input: unknown = evalExpr(obj, expr.input, options);
  const regex: unknown = evalExpr(obj, expr.regex, options);
  const given: unknown = "options" in expr ? evalExpr(obj, expr.options, options) : null;
  const nullish = (value: unknown) => value === null || value === undefined;
  if (!nullish(regex) && typeof regex !== "string" && !isRegex(regex))
    throw new CommandError("Location51105", `${opName} needs 'regex' to be of type string or regex`);
  if (!nullish(given) && typeof given !== "string")
    throw new CommandError("Location51106", `${opName} needs 'options' to be of type string`);
  let pattern: string | null = null;
  let flags = "";
  if (typeof regex === "string") pattern = regex;
  else if (!nullish(regex)) {
    const parts = regexParts(regex);
    pattern = parts.pattern;
    flags = parts.options;
    if (flags !== "" && !nullish(given))
      throw new CommandError(
        "Location51107",
        `${opName}: found regex option(s) specified in both 'regex' and 'option' fields`,
      );
  }
  if (typeof given === "string") flags = given;
  if (pattern?.includes("\0"))
    throw new CommandError(
      "Location51109",
      `${opName}: regular expression cannot contain an embedded null byte`,
    );
  if (flags.includes("\0"))
    throw new CommandError(
      "Location51110",
      `${opName}: regular expression options cannot contain an embedded null byte`,
    );
  const re = pattern === null ? null : pcreExpressionPattern(pattern, flags, opName);
  if (!nullish(input) && typeof input !== "string")
    throw new CommandError("Location51104", `${opName} needs 'input' to be of type string`);
  if (re === null || typeof input !== "string") return null;
  return (all) => matches(re, input, all);
}

/**
 * The matches from the start of `input` (the first only, or all): each search runs on the whole
 * input from where the last match ended, as PCRE's start offset does (`^` and lookbehinds see the
 * whole input). After an empty match the next search starts one code point on; none starts at the
 * end of a non-empty input, so `x*` over "ab" finds two empty matches, not three.
 */
function matches(re: RegExp, input: string, all: boolean): Match[] {
  const found: Match[] = [];
  let at = 0;
  let codePoints = 0;
  do {
    re.lastIndex = at;
    const m = re.exec(input);
    if (!m) break;
    codePoints += countCodePoints(input, at, m.index);
    found.push({
      match: m[0],
      idx: codePoints,
      captures: m.slice(1).map((capture) => capture ?? null),
    });
    if (!all) break;
    if (m[0] === "") {
      if (m.index >= input.length) break;
      at = m.index + String.fromCodePoint(input.codePointAt(m.index) as number).length;
      codePoints += 1;
    } else {
      at = m.index + m[0].length;
      codePoints += countCodePoints(input, m.index, at);
    }
  } while (at < input.length);
  return found;
}

function countCodePoints(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < to) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    n += 1;
  }
  return n;
}

/** The regular expression operators of aggregation, read as PCRE (pcre.ts). */
export const REGEX_EXPRESSIONS = {
  $regexMatch: regexOperator("$regexMatch", (search) => (search?.(false).length ?? 0) > 0),
  $regexFind: regexOperator("$regexFind", (search) => search?.(false)[0] ?? null),
  $regexFindAll: regexOperator("$regexFindAll", (search) => search?.(true) ?? []),
} satisfies Partial<typeof expressionOperators>;
