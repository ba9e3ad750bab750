import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { EXAM_ERROR_CODES } from "../../../server/contracts/exams.js";
import { answeredCodes, sourcesUnder } from "../../helpers/error-codes.js";

/**
 * `EXAM_ERROR_CODES` is what clients (and other provinces' implementations) may rely on from exam
 * delivery and the proctor desk. The codes are read from the source the features run, as the hub's
 * OpenAPI codes test reads its routes: a refusal added without listing it fails here.
 */

const root = new URL("../../../", import.meta.url);
const DIRS = ["server/exams/", "server/proctoring/"];

describe("exam delivery: its stable error codes", () => {
  it("when exam delivery or the proctor desk refuses with a code, then EXAM_ERROR_CODES lists that code", () => {
    const thrown = new Set(DIRS.flatMap(sourcesUnder).flatMap(answeredCodes));
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
