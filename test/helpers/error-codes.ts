import { readdirSync, readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);

/** The code each errors.* helper answers when it is given none. */
const DEFAULT_CODE: Record<string, string> = {
  unauthorized: "unauthenticated",
  forbidden: "forbidden",
  notFound: "not_found",
  tooMany: "too_many_requests",
};

/** The text of every .ts file under `dir` (a path from the repository root, ending in "/"). */
export function sourcesUnder(dir: string): string[] {
  return readdirSync(new URL(dir, root), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(new URL(`${dir}${f}`, root), "utf8"));
}

/**
 * Every code in `text` thrown through the one error type (errors.* or new AppError) or handed
 * back as `code: "…"` (a seat an action skipped, a review's reason): what a feature's stable-code
 * list is checked against (the exams and identity error-code tests).
 */
export function answeredCodes(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/errors\.(?:badRequest|conflict|unprocessable)\(\s*"([a-z0-9_]+)"/g))
    found.push(m[1]!);
  // The message first, the code (optional) second.
  for (const m of text.matchAll(
    /errors\.(forbidden|notFound|unauthorized|tooMany)\(\s*(?:"[^"]*"|`[^`]*`|'[^']*')?\s*(?:,\s*"([a-z0-9_]+)")?/g,
  ))
    found.push(m[2] ?? DEFAULT_CODE[m[1]!]!);
  for (const m of text.matchAll(/new AppError\(\s*"([a-z0-9_]+)"/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bcode: "([a-z0-9_]+)"/g)) found.push(m[1]!);
  return found;
}
