import { expect } from "chai";
import type { Document } from "bson";
import { compileFilter } from "../src/query.js";
import { Store } from "../src/storage/store.js";
import { valueKey, type Doc } from "../src/storage/values.js";
import { DirectAccess } from "../src/transactions.js";
import { random } from "./seeded-random.js";
import { skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

const JAN = new Date("2026-01-15T00:00:00Z");
const JUN = new Date("2026-06-01T00:00:00Z");
const JUL = new Date("2026-07-01T00:00:00Z");
const DEC = new Date("2026-12-15T00:00:00Z");

/**
 * A range on a field after an index's equality prefix. Without `$elemMatch`, each bound of a range
 * may be met by a different element of an array, so the index may only narrow by all bounds where
 * the field holds no array.
 */
describe("mongo-standin: index-backed date ranges", () => {
  const t = useStandinDatabase("standin_index_ranges");

  it("when an indexed array of dates meets each bound of a range with a different element, then the document matches as without the index", async () => {
    const coll = t.db.collection<Numbered>("ranged");
    await coll.createIndex({ k: 1, d: 1 });
    await coll.insertMany([
      { _id: 1, k: 1, d: [JAN, DEC] },
      { _id: 2, k: 1, d: JAN },
      { _id: 3, k: 1, d: [JUN, new Date("2026-06-20T00:00:00Z")] },
    ]);
    const found = await coll
      .find({ k: 1, d: { $gt: JUN, $lt: JUL } })
      .sort({ _id: 1 })
      .toArray();
    expect(found.map((doc) => doc._id)).to.deep.equal([1, 3]);
  });

  it("when random documents are read by random date ranges, then the index answer is the scan's answer (property)", function () {
    skipOnRealMongo(this, "this compares the stand-in's index reads with its own scans");
    const next = random(20260601);
    const day = (n: number): Date => new Date(Date.UTC(2026, 0, 1 + n));
    const aValue = (): unknown => {
      const roll = next();
      if (roll < 0.4) return day(Math.floor(next() * 30));
      if (roll < 0.8)
        return Array.from({ length: Math.floor(next() * 4) }, () => day(Math.floor(next() * 30)));
      if (roll < 0.9) return null;
      return "text";
    };
    for (let round = 0; round < 20; round += 1) {
      const store = new Store();
      const ns = "app.ranges";
      const collection = store.ensure(ns);
      collection.addIndex({ v: 2, key: { k: 1, d: 1 }, name: "k_1_d_1" });
      const docs: Doc[] = Array.from({ length: 40 }, (_, i) => {
        const doc: Doc = { _id: i, k: Math.floor(next() * 2) };
        const value = aValue();
        if (next() < 0.9) doc.d = value;
        return doc;
      });
      store.write([{ ns, changes: docs.map((doc) => ({ id: valueKey(doc._id), doc })) }]);
      const access = new DirectAccess(store);
      for (let query = 0; query < 30; query += 1) {
        const a = day(Math.floor(next() * 30));
        const b = day(Math.floor(next() * 30));
        const ops = ["$gt", "$gte", "$lt", "$lte"];
        const range: Document = {};
        range[ops[Math.floor(next() * 2)] as string] = a < b ? a : b;
        if (next() < 0.8) range[ops[2 + Math.floor(next() * 2)] as string] = a < b ? b : a;
        const filter = { k: Math.floor(next() * 2), d: range };
        const scanned = docs.filter(compileFilter(filter)).map((doc) => doc._id as number);
        const read = access.find(ns, filter).map((doc) => doc._id as number);
        expect(
          read.sort((x, y) => x - y),
          JSON.stringify(filter),
        ).to.deep.equal(scanned.sort((x, y) => x - y));
      }
    }
  });
});
