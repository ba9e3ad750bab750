import type { Document } from "bson";
import { CommandError, unsupported } from "./errors.js";
import { isPlainObject } from "./storage/values.js";

/**
 * MongoDB matches regular expressions with PCRE; the engine runs JavaScript's RegExp, which reads
 * some patterns differently. Patterns are translated where the meaning can be kept exactly and
 * refused where it cannot:
 *
 * - `$` (without the `m` option) also matches before a final newline in PCRE ("abc$" matches
 *   "abc\n"): written as `(?=\n?$)`. With `m`, `^` and `$` meet only `\n` in PCRE, where
 *   JavaScript also meets `\r`, U+2028 and U+2029: written as lookarounds on `\n`.
 * - `.` (without `s`) excludes only `\n` in PCRE, where JavaScript also excludes `\r`, U+2028 and
 *   U+2029: written as `[^\n]`.
 * - a class opening with `]` (`[]a]`) holds `]` in PCRE and is empty in JavaScript: escaped.
 * - Syntax only PCRE has, or that JavaScript reads as something else, is refused: `\A \Z \z \G
 *   \h \H \v \V \R \K \Q \E \X \C \e \a \N \p \P \g \k \o \x{…}`, POSIX classes (`[[:digit:]]`),
 *   possessive quantifiers, `(?` forms other than `(?:`, lookarounds and named groups (atomic
 *   groups, inline options, comments, conditionals, recursion), `(*VERB)`, and the `x` option.
 *
 * The server runs PCRE2 in UTF mode without Unicode properties: `.` is one code point, `i` folds
 * case by Unicode's simple folding, and `\s \w \d \b` are ASCII-only. The expression is built
 * with JavaScript's `u` flag for the first two; `\d \w \b` are ASCII there too, and `\s`/`\S`,
 * which JavaScript widens to every Unicode space, are written as the six ASCII spaces. Under `u`
 * an escaped character with no meaning of its own (`\-` outside a class, `\#`, `\ `) is a syntax
 * error where PCRE reads the character itself, so it is written plainly, as are a `{` that starts
 * no quantifier and a `]` or `}` outside a class. A pattern JavaScript still cannot compile
 * answers the server's 51091 "Regular expression is invalid"; `\w \W \b \B` with `i` are refused
 * (under `u`, JavaScript's case folding lets `\w` match U+017F and U+212A, which PCRE's does not).
 */
function pcreRegExp(source: string, options: string): RegExp {
  for (const flag of options) {
    if (!"ims".includes(flag)) throw refuse(`the regular expression option '${flag}'`);
  }
  const multiline = options.includes("m");
  const dotAll = options.includes("s");
  let out = "";
  let inClass = false;
  // Where the current class's members start (after `[` or `[^`), to tell a range's `-`.
  let classBody = 0;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "\\") {
      if (next === undefined) throw invalid(source, "\\ at end of pattern");
      if (PCRE_ESCAPES.includes(next) || (next === "x" && source[i + 2] === "{"))
        throw refuse(`the PCRE escape \\${next} in /${source}/`);
      if ("FLlUu".includes(next))
        throw invalid(source, "PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u");
      if (options.includes("i") && "wWbB".includes(next) && !(inClass && next === "b"))
        throw refuse(`\\${next} with the i option in /${source}/`);
      if (next === "s" || next === "S") {
        if (inClass) {
          const rangeAfter = source[i + 2] === "-" && source[i + 3] !== "]";
          const rangeBefore = source[i - 1] === "-" && i - 1 > classBody && source[i - 2] !== "\\";
          if (rangeAfter || rangeBefore) throw invalid(source, "invalid range in character class");
          out += next === "s" ? ASCII_SPACES : NOT_ASCII_SPACES;
        } else out += next === "s" ? `[${ASCII_SPACES}]` : `[^${ASCII_SPACES}]`;
        i += 1;
        continue;
      }
      if (/[A-Za-z0-9]/.test(next)) {
        out += c + next;
        i += 1;
        continue;
      }
      // Any other character after a backslash is that character, in PCRE (a whole code point).
      const escaped = String.fromCodePoint(source.codePointAt(i + 1) as number);
      out += plain(escaped, inClass);
      i += escaped.length;
      continue;
    }
    if (inClass) {
      if (
        c === "[" &&
        (next === ":" || next === "=" || next === ".") &&
        /^\[[:=.][^\]]*[:=.]\]/.test(source.slice(i))
      )
        throw refuse(`POSIX character classes in /${source}/`);
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (next === "^") {
        out += next;
        i += 1;
      }
      classBody = i + 1;
      if (source[i + 1] === "]") {
        out += "\\]";
        i += 1;
      }
      continue;
    }
    if (c === "{") {
      const quantifier = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i))?.[0];
      if (quantifier) {
        if (source[i + quantifier.length] === "+") throw refuse(`possessive quantifiers in /${source}/`);
        out += quantifier;
        i += quantifier.length - 1;
        continue;
      }
      // `{,n}` is a quantifier from PCRE2 10.43 on and a literal before: which the server reads is not modelled.
      if (/^\{,\d+\}/.test(source.slice(i))) throw refuse(`the quantifier {,n} in /${source}/`);
      out += "\\{";
      continue;
    }
    if (c === "}" || c === "]") {
      out += `\\${c}`;
      continue;
    }
    if (c === "(" && next === "*") throw refuse(`PCRE verbs in /${source}/`);
    if (c === "(" && next === "?" && !/^\(\?(?::|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.test(source.slice(i)))
      throw refuse(`the PCRE group ${source.slice(i, i + 3)} in /${source}/`);
    if ((c === "*" || c === "+" || c === "?" || c === "}") && next === "+")
      throw refuse(`possessive quantifiers in /${source}/`);
    if (c === "." && !dotAll) out += "[^\\n]";
    else if (c === "$") out += multiline ? "(?![^\\n])" : "(?=\\n?$)";
    else if (c === "^" && multiline) out += "(?<![^\\n])";
    else out += c;
  }
  let translated: RegExp;
  try {
    translated = new RegExp(out, (options.includes("i") ? "i" : "") + (dotAll ? "s" : "") + "u");
  } catch (error) {
    throw invalid(source, (error as Error).message);
  }
  remember(translated, { pattern: source, options: [...options].sort().join("") });
  return translated;
}

/** PCRE2's `\s` without Unicode properties: space, \t, \n, \v, \f and \r. */
const ASCII_SPACES = "\\t\\n\\v\\f\\r ";
/** Every code point but those six, as members of a class (`\S` inside `[…]`). */
const NOT_ASCII_SPACES = "\\0-\\x08\\x0E-\\x1F\\x21-\\u{10FFFF}";

/** A character written to match itself under `u`: escaped only where it would mean something. */
function plain(char: string, inClass: boolean): string {
  if ("^$\\.*+?()[]{}|/".includes(char) || (inClass && char === "-")) return `\\${char}`;
  return char;
}

/** The server's answer to a pattern its PCRE2 does not compile (or JavaScript's `u` mode does not). */
function invalid(source: string, reason: string): CommandError {
  return new CommandError("Location51091", `Regular expression is invalid: ${reason} (in /${source}/)`);
}

type Given = { pattern: string; options: string };

/**
 * The pattern and options each translated expression was given as (for regex equality), by its
 * translated source and flags: the engine copies a filter's expressions (mingo's cloneDeep), so
 * they are not found by identity. Null where two given patterns translate alike (`.` and
 * `[^\n]`). Bounded: the oldest are forgotten (then the translation itself is compared).
 */
const ORIGINALS = new Map<string, Given | null>();
const ORIGINALS_KEPT = 10_000;

function remember(translated: RegExp, given: Given): void {
  const key = `${translated.source}/${translated.flags}`;
  const known = ORIGINALS.get(key);
  ORIGINALS.delete(key);
  const same =
    known === undefined ||
    (known !== null && known.pattern === given.pattern && known.options === given.options);
  ORIGINALS.set(key, same ? given : null);
  if (ORIGINALS.size > ORIGINALS_KEPT) ORIGINALS.delete(ORIGINALS.keys().next().value as string);
}

/**
 * The pattern and options a regular expression in a filter was given as: a stored regular
 * expression matches a filter's pattern when both are the same (not by running one on the other).
 * Null when that is not known.
 */
function givenPattern(re: RegExp): Given | null {
  const known = ORIGINALS.get(`${re.source}/${re.flags}`);
  if (known !== undefined) return known;
  return { pattern: re.source, options: optionsOf(re.flags) };
}

/**
 * A stored or given JavaScript RegExp's flags as the server's options: bson decodes a BSON regex's
 * `s` as JavaScript's `g` (and drops what JavaScript has no flag for), so `g` reads as `s`.
 */
function optionsOf(flags: string): string {
  return [...new Set(flags.replace(/g/g, "s").replace(/[yud]/g, ""))].sort().join("");
}

/**
 * The test of one value a path reaches against a filter's pattern (`$regex`, or a pattern in
 * `$in`): a string the pattern matches, or a stored regular expression with the same pattern and
 * options (the server's RegexMatchExpression).
 */
export function patternTest(re: RegExp): (found: unknown) => boolean {
  const given = givenPattern(re);
  return (found) => {
    if (typeof found === "string") return re.test(found);
    if (
      given === null &&
      (found instanceof RegExp || (found as { _bsontype?: string } | null)?._bsontype === "BSONRegExp")
    )
      throw unsupported(
        `comparing a stored regular expression with /${re.source}/, which two patterns translate to`,
      );
    if (given === null) return false;
    if (found instanceof RegExp)
      return found.source === given.pattern && optionsOf(found.flags) === given.options;
    const bson = found as { _bsontype?: string; pattern?: string; options?: string } | null;
    return (
      bson?._bsontype === "BSONRegExp" &&
      bson.pattern === given.pattern &&
      [...(bson.options ?? "")].sort().join("") === given.options
    );
  };
}

/** Escapes PCRE reads otherwise than JavaScript (or JavaScript not at all). */
const PCRE_ESCAPES = "AZzGhHvVRKQEXCeaNpPgko";

function refuse(feature: string) {
  return unsupported(
    `${feature} (PCRE, the server's regular expressions, reads it otherwise than JavaScript)`,
  );
}

/**
 * The filter with every regular expression in a matching position (`field: /re/`, `$regex`,
 * `$in`, `$nin`, `$all`, `$not`, inside `$elemMatch` and the logical operators) translated by
 * `pcreRegExp`. A regular expression given to `$eq`/`$ne` is a value compared for equality and
 * stays as it is. Returns the filter itself when it holds no pattern.
 */
export function withPcrePatterns(filter: Document): Document {
  let changed = false;
  const out: Document = {};
  for (const [key, value] of Object.entries(filter)) {
    let translated: unknown = value;
    if ((key === "$and" || key === "$or" || key === "$nor") && Array.isArray(value))
      translated = (value as unknown[]).map((clause) =>
        isPlainObject(clause) ? withPcrePatterns(clause) : clause,
      );
    else if (!key.startsWith("$")) translated = condition(value);
    if (translated !== value && !sameArray(translated, value)) changed = true;
    out[key] = translated;
  }
  return changed ? out : filter;
}

function condition(value: unknown): unknown {
  if (isRegex(value)) return translate(value);
  if (!isPlainObject(value) || !Object.keys(value)[0]?.startsWith("$")) return value;
  const out: Record<string, unknown> = {};
  for (const [op, operand] of Object.entries(value)) {
    if (op === "$options") continue;
    if (op === "$regex") {
      const options = typeof value.$options === "string" ? value.$options : flagsOf(operand);
      out.$regex = pcreRegExp(isRegex(operand) ? sourceOf(operand) : String(operand), options);
    } else if ((op === "$in" || op === "$nin" || op === "$all") && Array.isArray(operand)) {
      out[op] = (operand as unknown[]).map((item) => {
        if (isRegex(item)) return translate(item);
        if (op === "$all" && isPlainObject(item) && isPlainObject(item.$elemMatch))
          return { $elemMatch: elemMatch(item.$elemMatch) };
        return item;
      });
    } else if (op === "$not") out.$not = condition(operand);
    else if (op === "$elemMatch" && isPlainObject(operand)) out.$elemMatch = elemMatch(operand);
    else out[op] = operand;
  }
  return out;
}

/** `$elemMatch` holds either operators on the element's value or a filter on its fields. */
function elemMatch(criteria: Record<string, unknown>): Record<string, unknown> {
  const first = Object.keys(criteria)[0] ?? "";
  const onValue = first.startsWith("$") && first !== "$and" && first !== "$or" && first !== "$nor";
  return onValue ? (condition(criteria) as Record<string, unknown>) : withPcrePatterns(criteria);
}

function translate(value: unknown): RegExp {
  return pcreRegExp(sourceOf(value), flagsOf(value));
}

/**
 * A pattern given to an aggregation expression (`$regexMatch`, `$regexFind`, `$regexFindAll`),
 * translated as a filter's is, so both read one pattern alike; the `g` flag is added for the
 * expressions' own walk through the input. A pattern that does not compile answers the
 * expressions' 51111 "Invalid Regex in $op" (expression_regex.cpp) rather than the filter's 51091.
 */
export function pcreExpressionPattern(source: string, options: string, opName: string): RegExp {
  let translated: RegExp;
  try {
    translated = pcreRegExp(source, options);
  } catch (error) {
    if (!(error instanceof CommandError) || error.codeName !== "Location51091") throw error;
    const reason = error.message.replace(/^Regular expression is invalid: /, "");
    throw new CommandError("Location51111", `Invalid Regex in ${opName}: ${reason}`);
  }
  return new RegExp(translated.source, `${translated.flags}g`);
}

/** The pattern and options of a regular expression value (a decoded RegExp or a BSONRegExp). */
export function regexParts(value: unknown): { pattern: string; options: string } {
  return { pattern: sourceOf(value), options: flagsOf(value) };
}

function sourceOf(value: unknown): string {
  return value instanceof RegExp ? value.source : (value as { pattern: string }).pattern;
}

/**
 * The options a regular expression was sent with. bson decodes a BSON regex's `s` option as
 * JavaScript's `g` flag (and encodes `g` as `s`), so a decoded RegExp's `g` is PCRE's `s`.
 */
function flagsOf(value: unknown): string {
  if (value instanceof RegExp) return optionsOf(value.flags);
  if (isRegex(value)) return (value as { options: string }).options;
  return "";
}

/** A regular expression value: a decoded RegExp or a BSONRegExp. */
export function isRegex(value: unknown): boolean {
  return value instanceof RegExp || (value as { _bsontype?: string } | null)?._bsontype === "BSONRegExp";
}

function sameArray(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i]);
}
