import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { EXAM_ERROR_CODES } from "../../../server/contracts/exams.js";

/**
 * `EXAM_ERROR_CODES` is what clients (and other provinces' implementations) may rely on from exam
 * delivery and the proctor desk. The codes are read from the source the features run, as the hub's
 * OpenAPI codes test reads its routes: a refusal added without listing it fails here.
 */

const root = new URL("../../../", import.meta.url);
const DIRS = ["server/exams/", "server/proctoring/"];
const DEFAULT_CODE: Record<string, string> = {
  unauthorized: "unauthenticated",
  forbidden: "forbidden",
  notFound: "not_found",
  tooMany: "too_many_requests",
};

function sources(dir: string): string[] {
  return readdirSync(new URL(dir, root), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(new URL(`${dir}${f}`, root), "utf8"));
}

/** Every code thrown in `text` through the one error type (errors.* or new AppError). */
function thrownCodes(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/errors\.(?:badRequest|conflict|unprocessable)\(\s*"([a-z0-9_]+)"/g))
    found.push(m[1]!);
  // The message first, the code (optional) second.
  for (const m of text.matchAll(
    /errors\.(forbidden|notFound|unauthorized|tooMany)\(\s*(?:"[^"]*"|`[^`]*`|'[^']*')?\s*(?:,\s*"([a-z0-9_]+)")?/g,
  ))
    found.push(m[2] ?? DEFAULT_CODE[m[1]!]!);
  for (const m of text.matchAll(/new AppError\(\s*"([a-z0-9_]+)"/g)) found.push(m[1]!);
  return found;
}

describe("exam delivery: its stable error codes", () => {
  it("when exam delivery or the proctor desk refuses with a code, then EXAM_ERROR_CODES lists that code", () => {
    const thrown = new Set(DIRS.flatMap(sources).flatMap(thrownCodes));
    expect(thrown.size).to.be.above(20);
    const listed = new Set<string>(EXAM_ERROR_CODES);
    expect([...thrown].filter((c) => !listed.has(c)).sort()).to.deep.equal([]);
  });

  it("when a code is listed, then some server code answers it and it is listed once", () => {
    const everywhere = readdirSync(new URL("server/", root), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && f !== "contracts/exams.ts")
      .map((f) => readFileSync(new URL(`server/${f}`, root), "utf8"))
      .join("\n");
    expect(EXAM_ERROR_CODES.filter((c) => !everywhere.includes(`"${c}"`))).to.deep.equal([]);
    expect(new Set(EXAM_ERROR_CODES).size).to.equal(EXAM_ERROR_CODES.length);
  });
});
