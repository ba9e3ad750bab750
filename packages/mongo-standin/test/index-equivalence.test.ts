import { ObjectId, type Document } from "bson";
import { expect } from "chai";
import { compileFilter } from "../src/query.js";
import { Store } from "../src/storage/store.js";
import { valueKey, type Doc } from "../src/storage/values.js";
import { DirectAccess, Transaction } from "../src/transactions.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

const NS = "app.mixed";
const OID = new ObjectId("65a000000000000000000001");
const DAY = new Date("2026-01-02T00:00:00Z");

/** Values of every kind an equality filter can name, including ones that only look alike. */
const VALUES: unknown[] = [1, 1.5, 0, -0, "1", "", "a", true, false, null, OID, DAY, new Date(0)];

/**
 * Documents holding those values as scalars, inside arrays, inside arrays of sub-documents,
 * as null, or not at all, so an index answer can be compared with a scan for each kind.
 */
function mixedDocuments(): Doc[] {
  const docs: Doc[] = [];
  let n = 0;
  const add = (fields: Document): void => void docs.push({ _id: `d${n++}`, ...fields });
  for (const value of VALUES) {
    add({ a: value, b: "x" });
    add({ a: [value, "other"], b: "y" });
    add({ a: [{ c: value }], b: "x", s: { c: value } });
  }
  add({ b: "x" });
  add({ a: [], b: "y" });
  add({ a: [null], b: "x" });
  add({ a: [[1]], b: "x" });
  add({ a: { c: 1 }, b: "y" });
  return docs;
}

/** Equality filters an index can answer: scalars, `$eq`, `$in` lists mixing kinds, compound pins. */
function equalityFilters(): Document[] {
  const filters: Document[] = [];
  for (const value of VALUES) {
    filters.push({ a: value }, { a: { $eq: value } }, { "s.c": value }, { a: value, b: "x" });
  }
  filters.push(
    { a: { $in: [] } },
    { a: { $in: [1, "1", null] } },
    { a: { $in: [true, 0, OID] } },
    { a: { $in: [DAY, "a", 1.5] } },
    { a: { $in: [null, false] }, b: { $in: ["x", "y"] } },
    { "s.c": { $in: [null, 1] } },
    { _id: { $in: ["d0", "d3", "nope"] } },
    // `_id` pinned to a scalar: one key of the `_id` index, whatever else the filter says.
    { _id: "d0" },
    { _id: "d1" },
    { _id: "late" },
    { _id: "d3" },
    { _id: "nope" },
    { _id: 3 },
    { _id: null },
    { _id: "d4", b: "y" },
    { _id: "d4", b: "x" },
    { _id: OID },
    // Only the leading field of the compound index { b, a } is pinned: read from its prefix.
    { b: "x" },
    { b: { $in: ["y", null] } },
    { b: "x", a: { $gt: 0 } },
    // A date range on the field after the pinned prefix: only dates outside it are left out.
    { b: "x", a: { $lt: DAY } },
    { b: "y", a: { $gte: new Date(0), $lte: DAY } },
    { b: { $in: ["x", "y", null] }, a: { $gt: new Date(0) } },
    { b: "x", a: { $lt: new Date(1) } },
    { b: "x", a: { $gte: DAY, $lt: new Date(0) } },
    // A top-level $or whose every clause has an index: the union of one index read per clause.
    { $or: [{ a: 1 }, { "s.c": null }] },
    { $or: [{ a: { $in: [DAY, "a"] } }, { b: "y", a: { $ne: 1 } }, { _id: "d2" }] },
    { b: "x", $or: [{ a: true }, { a: OID }] },
    { $or: [{ $or: [{ a: 0 }, { "s.c": 1.5 }] }, { b: "y" }] },
  );
  return filters;
}

function storeWithIndexes(): Store {
  const store = new Store();
  const collection = store.ensure(NS);
  collection.addIndex({ v: 2, key: { a: 1 }, name: "a_1" });
  collection.addIndex({ v: 2, key: { a: 1, b: 1 }, name: "a_1_b_1" });
  collection.addIndex({ v: 2, key: { "s.c": 1 }, name: "s.c_1" });
  collection.addIndex({ v: 2, key: { b: 1, a: 1 }, name: "b_1_a_1" });
  store.write([{ ns: NS, changes: mixedDocuments().map((doc) => ({ id: valueKey(doc._id), doc })) }]);
  return store;
}

function ids(docs: Iterable<Doc>): string[] {
  return [...docs].map((doc) => String(doc._id)).sort();
}

describe("mongo-standin: index answers equal scans", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this compares the stand-in's index reads with its own scans");
  });

  it("when an equality or $in filter is answered from an index, then it returns exactly the documents a scan returns", () => {
    const store = storeWithIndexes();
    const collection = store.collection(NS);
    const access = new DirectAccess(store);
    for (const filter of equalityFilters()) {
      expect(collection?.plans(filter), JSON.stringify(filter)).to.not.equal(null);
      const scanned = [...(collection?.current() ?? [])].map(([, doc]) => doc).filter(compileFilter(filter));
      expect(ids(access.find(NS, filter)), JSON.stringify(filter)).to.deep.equal(ids(scanned));
    }
  });

  it("when a transaction reads through an index after other writes changed, added and deleted documents, then it sees exactly its snapshot", () => {
    const store = storeWithIndexes();
    const collection = store.collection(NS);
    const snapshotDocs = [...(collection?.current() ?? [])].map(([, doc]) => doc);
    const txn = new Transaction(store, new Map(), 1n);
    // Outside writes after the snapshot: keys moved, a document deleted, a new one matching.
    store.write([
      {
        ns: NS,
        changes: [
          { id: valueKey("d0"), doc: { _id: "d0", a: "moved", b: "x" } },
          { id: valueKey("d1"), doc: null },
          { id: valueKey("late"), doc: { _id: "late", a: 1, b: "x" } },
          { id: valueKey("d6"), doc: { _id: "d6", a: 1, b: "x" } },
        ],
      },
    ]);
    for (const filter of [...equalityFilters(), { a: "moved" }]) {
      const scanned = snapshotDocs.filter(compileFilter(filter));
      expect(ids(txn.find(NS, filter)), JSON.stringify(filter)).to.deep.equal(ids(scanned));
    }
    txn.abort();
  });

  it("when a transaction reads its own writes through an index, then it sees them and not the versions they replaced", () => {
    const store = storeWithIndexes();
    const txn = new Transaction(store, new Map(), 1n);
    txn.write(NS, [
      { id: valueKey("d0"), doc: { _id: "d0", a: "mine", b: "x" } },
      { id: valueKey("new"), doc: { _id: "new", a: 1, b: "x" } },
      { id: valueKey("d3"), doc: null },
    ]);
    expect(ids(txn.find(NS, { a: "mine" }))).to.deep.equal(["d0"]);
    expect(ids(txn.find(NS, { a: { $in: [1, "mine"] }, b: "x" }))).to.deep.equal(["d0", "new"]);
    expect(ids(txn.find(NS, { _id: { $in: ["d3", "new"] } }))).to.deep.equal(["new"]);
    txn.write(NS, [{ id: valueKey("new"), doc: { _id: "new", a: 2, b: "x" } }]);
    expect(ids(txn.find(NS, { a: 1, b: "x" }))).to.deep.equal([]);
    expect(ids(txn.find(NS, { a: 2 }))).to.deep.equal(["new"]);
    txn.abort();
  });
});
