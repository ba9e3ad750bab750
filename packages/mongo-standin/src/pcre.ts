import type { Document } from "bson";
import { unsupported } from "./errors.js";
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
 */
export function pcreRegExp(source: string, options: string): RegExp {
  for (const flag of options) {
    if (!"ims".includes(flag)) throw refuse(`the regular expression option '${flag}'`);
  }
  const multiline = options.includes("m");
  const dotAll = options.includes("s");
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "\\") {
      if (next !== undefined && (PCRE_ESCAPES.includes(next) || (next === "x" && source[i + 2] === "{")))
        throw refuse(`the PCRE escape \\${next} in /${source}/`);
      out += c + (next ?? "");
      i += 1;
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
      if (source[i + 1] === "]") {
        out += "\\]";
        i += 1;
      }
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
  const translated = new RegExp(out, (options.includes("i") ? "i" : "") + (dotAll ? "s" : ""));
  ORIGINALS.set(translated, { pattern: source, options: [...options].sort().join("") });
  return translated;
}

/** The pattern and options each translated expression was given as (for regex equality). */
const ORIGINALS = new WeakMap<RegExp, { pattern: string; options: string }>();

/**
 * The pattern and options a regular expression in a filter was given as: a stored regular
 * expression matches a filter's pattern when both are the same (not by running one on the other).
 */
export function givenPattern(re: RegExp): { pattern: string; options: string } {
  return ORIGINALS.get(re) ?? { pattern: re.source, options: [...re.flags].sort().join("") };
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
    if (found instanceof RegExp)
      return found.source === given.pattern && [...found.flags].sort().join("") === given.options;
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

function sourceOf(value: unknown): string {
  return value instanceof RegExp ? value.source : (value as { pattern: string }).pattern;
}

function flagsOf(value: unknown): string {
  if (value instanceof RegExp) return value.flags.replace(/[gyud]/g, "");
  if (isRegex(value)) return (value as { options: string }).options;
  return "";
}

function isRegex(value: unknown): boolean {
  return value instanceof RegExp || (value as { _bsontype?: string } | null)?._bsontype === "BSONRegExp";
}

function sameArray(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i]);
}
