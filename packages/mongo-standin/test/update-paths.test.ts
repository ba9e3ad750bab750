import { expect } from "chai";
import { CommandError } from "../src/errors.js";
import { compileFilter } from "../src/query.js";
import { checkConflicts, expandPath, type PathContext } from "../src/update/paths.js";
import { random } from "./seeded-random.js";

/** The rule as the server states it (40 ConflictingUpdateOperators): a path equal to or inside an earlier one. */
function referenceConflict(paths: string[]): string | null {
  const seen: string[] = [];
  for (const path of paths) {
    for (const other of seen) {
      const [shorter, longer] = other.length <= path.length ? [other, path] : [path, other];
      if (longer === shorter || longer.startsWith(`${shorter}.`))
        return `Updating the path '${path}' would create a conflict at '${shorter}'`;
    }
    seen.push(path);
  }
  return null;
}

const PARTS = ["a", "ab", "b", "0", "1", "a.b"];

function conflictOf(paths: string[]): string | null {
  try {
    checkConflicts(paths);
    return null;
  } catch (error) {
    expect(error).to.be.instanceOf(CommandError);
    return (error as CommandError).message;
  }
}

function context(
  doc: Record<string, unknown>,
  arrayFilters = new Map<string, (e: unknown) => boolean>(),
): PathContext {
  return { doc, filter: {}, compile: compileFilter, arrayFilters, usedIdentifiers: new Set() };
}

describe("update paths: conflicts and expansion", () => {
  it("when random sets of paths are checked for overlaps, then the answer and its message are the server rule's", () => {
    let conflicts = 0;
    for (let seed = 1; seed <= 3000; seed += 1) {
      const rnd = random(seed);
      const paths = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () =>
        Array.from(
          { length: 1 + Math.floor(rnd() * 3) },
          () => PARTS[Math.floor(rnd() * PARTS.length)] ?? "a",
        ).join("."),
      );
      const expected = referenceConflict(paths);
      expect(conflictOf(paths), `seed ${seed}: ${paths.join(" ")}`).to.equal(expected);
      if (expected) conflicts += 1;
    }
    // Both answers occur often, so agreement is not agreement on "never".
    expect(conflicts).to.be.within(300, 2700);
    // Prefixes that are not whole parts do not overlap; a path inside another does, either way round.
    expect(conflictOf(["answers.1.seq", "answers.1.seqs", "answers.10.seq"])).to.equal(null);
    expect(conflictOf(["answers.1", "chainN", "answers.1.seq"])).to.match(/at 'answers.1'/);
  });

  it("when a path has no positional part, then it names itself whatever the document holds; positional parts still expand per element", () => {
    const doc = { answers: [{ seq: 1 }, { seq: 2 }], events: "not an array" };
    expect(expandPath("answers.57.seq", context(doc))).to.deep.equal([["answers", "57", "seq"]]);
    expect(expandPath("events.x", context(doc))).to.deep.equal([["events", "x"]]);
    expect(expandPath("answers.$[].seq", context(doc))).to.deep.equal([
      ["answers", "0", "seq"],
      ["answers", "1", "seq"],
    ]);
    const filters = new Map([["late", (e: unknown) => (e as { seq: number }).seq > 1]]);
    const ctx = context(doc, filters);
    expect(expandPath("answers.$[late].seq", ctx)).to.deep.equal([["answers", "1", "seq"]]);
    expect([...ctx.usedIdentifiers]).to.deep.equal(["late"]);
    expect(() => expandPath("events.$[].x", context(doc))).to.throw(/non-array/);
  });
});
