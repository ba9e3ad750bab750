import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * A page reads its data through `useLoad` (client/src/shared/use-load.ts) or, for a list read a
 * page at a time, `useCursorList`, and guards its buttons with `useOnce`: each of them had been
 * copied by hand into a page, and each copy missed something the others had (a stale answer
 * replacing a newer one, a failure leaving the last filter's rows, the second click of a double
 * click acting on what the page showed next). These checks fail when a copy comes back.
 */
const CLIENT = path.resolve(import.meta.dirname, "../../../client/src");
/** The one home of each pattern. */
const HOMES = new Set(["shared/use-load.ts", "shared/cursor-list.ts", "shared/once.ts"]);

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourcesUnder(full);
    return /\.(vue|ts)$/.test(full) ? [full] : [];
  });
}

const sources = () =>
  sourcesUnder(CLIENT)
    .map((file) => ({
      name: path.relative(CLIENT, file).split(path.sep).join("/"),
      text: readFileSync(file, "utf8"),
    }))
    .filter((f) => !HOMES.has(f.name));

describe("the client's load and once patterns (architecture)", () => {
  it("when a page shows LoadFailed, then its data is read through useLoad or useCursorList", () => {
    const handRolled = sources()
      .filter((f) => /<LoadFailed\b/.test(f.text))
      .filter((f) => !/\buse(Load|CursorList)\(/.test(f.text))
      .map((f) => f.name);
    expect(handRolled).to.deep.equal([]);
  });

  it("when a client file catches a read's failure, then it neither keeps the message in an error ref of its own nor counts reads to drop stale answers", () => {
    const handRolled = sources().flatMap((f) => [
      ...(/\b\w*[eE]rror\.value\s*=\s*err\.message\b/.test(f.text)
        ? [`${f.name}: error ref set from err.message`]
        : []),
      ...(/\blet\s+generation\b/.test(f.text) ? [`${f.name}: its own read generation`] : []),
    ]);
    expect(handRolled).to.deep.equal([]);
  });

  it("when a button's write must run once, then the guard is useOnce, not a busy flag checked and set by hand", () => {
    const handRolled = sources()
      .filter((f) => /\b(\w+)\.value\) return;\s*\n\s*\1\.value = true;/.test(f.text))
      .map((f) => f.name);
    expect(handRolled).to.deep.equal([]);
  });
});
