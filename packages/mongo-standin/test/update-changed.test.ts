import { expect } from "chai";
import { unchanged } from "../src/commands/write.js";
import { applyUpdate } from "../src/query.js";
import { useStandinDatabase } from "./standin-fixtures.js";

/**
 * An update known to have changed its document skips the comparison of the two versions
 * (update/apply.ts keeps the latest such document); every other document is compared.
 */
describe("mongo-standin: telling a changed document", () => {
  const setN = (n: number) => ({ update: { $set: { n } }, filter: {}, arrayFilters: undefined });

  it("when updates that change documents and updates that change nothing are asked about in any order, then each is told as it is", () => {
    const a = { _id: "a", n: 1 };
    const b = { _id: "b", n: 2 };
    const afterA = applyUpdate(a, setN(5), false);
    const afterB = applyUpdate(b, setN(2), false);
    expect(unchanged(b, afterB)).to.equal(true);
    // Asked out of order: the latest update changed its document, this one did not.
    const afterB2 = applyUpdate(afterB, setN(2), false);
    const afterA3 = applyUpdate(afterA, setN(6), false);
    expect(unchanged(afterB, afterB2)).to.equal(true);
    expect(unchanged(afterA, afterA3)).to.equal(false);
    expect(unchanged(a, afterA)).to.equal(false);
    const afterA2 = applyUpdate(afterA, setN(5), false);
    expect(unchanged(afterA, afterA2)).to.equal(true);
  });

  describe("through the driver", () => {
    const t = useStandinDatabase("standin_changed");

    it("when one bulk sets a new value on one document and the same value on the next, then only the first counts as modified", async () => {
      const docs = t.db.collection<{ _id: string; n: number }>("docs");
      await docs.insertMany([
        { _id: "a", n: 1 },
        { _id: "b", n: 2 },
        { _id: "c", n: 3 },
      ]);
      const reply = await t.db.command({
        update: "docs",
        updates: [
          { q: { _id: "a" }, u: { $set: { n: 10 } } },
          { q: { _id: "b" }, u: { $set: { n: 2 } } },
          { q: { _id: "c" }, u: { $set: { n: 30 } } },
        ],
        ordered: false,
      });
      expect(reply).to.include({ n: 3, nModified: 2 });
    });
  });
});
