import { expect } from "chai";
import type { Document } from "bson";
import { compileFilter, applyUpdate } from "../src/query.js";
import { Collection, type Change } from "../src/storage/collection.js";
import { Store } from "../src/storage/store.js";
import { valueKey, type Doc } from "../src/storage/values.js";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/**
 * Equivalence tests for the index upkeep of a save (issue 17): whatever shortcut a save takes
 * when its keys did not change (a partial index's filter fields included), it answers and indexes
 * exactly as building every key anew would. These pass before and after the shortcut.
 */
/** A test document: a numbered `_id` and any fields (the driver's `Document`, with `_id` typed). */
interface Row extends Document {
  _id: number;
}

describe("mongo-standin: index upkeep of partial and compound indexes through the wire", () => {
  const t = useStandinDatabase("standin_key_upkeep");

  it("when documents enter and leave a unique partial index's filter, then only the ones inside it collide", async () => {
    const coll = t.db.collection<Row>("partialUnique");
    await coll.createIndex(
      { code: 1 },
      { unique: true, partialFilterExpression: { status: "active", "meta.live": true } },
    );
    await coll.insertMany([
      { _id: 1, code: "A", status: "active", meta: { live: true, note: "" }, n: 0 },
      { _id: 2, code: "A", status: "draft", meta: { live: true, note: "" }, n: 0 },
    ]);
    // Neither the key nor the filter's fields change: no collision, however often.
    await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
    await coll.updateOne({ _id: 2 }, { $inc: { n: 1 }, $set: { "meta.note": "x" } });
    // Document 2 enters the filter: its key now collides with document 1's.
    const entering = await rejection(coll.updateOne({ _id: 2 }, { $set: { status: "active" } }));
    expect(entering.code).to.equal(11000);
    const viaSubDocument = await rejection(
      coll.updateOne({ _id: 2 }, { $set: { status: "active", meta: { live: true, note: "y" } } }),
    );
    expect(viaSubDocument.code).to.equal(11000);
    // Document 1 leaves the filter through the nested field; then document 2 may enter.
    await coll.updateOne({ _id: 1 }, { $set: { "meta.live": false } });
    await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
    await coll.updateOne({ _id: 2 }, { $set: { status: "active" } });
    await coll.updateOne({ _id: 2 }, { $inc: { n: 1 } });
    // Document 1 comes back inside without changing its key: now it collides.
    const back = await rejection(coll.updateOne({ _id: 1 }, { $set: { "meta.live": true } }));
    expect(back.code).to.equal(11000);
    expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).to.deep.equal([
      { _id: 1, code: "A", status: "active", meta: { live: false, note: "" }, n: 2 },
      { _id: 2, code: "A", status: "active", meta: { live: true, note: "x" }, n: 2 },
    ]);
  });

  it("when a partial filter is an $or of conditions, then a document meeting another clause still collides", async () => {
    const coll = t.db.collection<Row>("partialOr");
    await coll.createIndex(
      { k: 1 },
      { unique: true, partialFilterExpression: { $or: [{ kind: "x" }, { level: { $gte: 5 } }] } },
    );
    await coll.insertMany([
      { _id: 1, k: 7, kind: "x", level: 1, n: 0 },
      { _id: 2, k: 7, kind: "y", level: 1, n: 0 },
    ]);
    await coll.updateOne({ _id: 2 }, { $inc: { n: 1 } });
    await coll.updateOne({ _id: 2 }, { $set: { level: 4 } });
    expect((await rejection(coll.updateOne({ _id: 2 }, { $set: { level: 5 } }))).code).to.equal(11000);
    expect((await rejection(coll.updateOne({ _id: 2 }, { $set: { kind: "x" } }))).code).to.equal(11000);
    await coll.updateOne({ _id: 1 }, { $set: { kind: "z" } });
    await coll.updateOne({ _id: 2 }, { $set: { level: 9 } });
    expect((await rejection(coll.updateOne({ _id: 1 }, { $set: { level: 6 } }))).code).to.equal(11000);
    expect(await coll.countDocuments({ k: 7, level: { $gte: 5 } })).to.equal(1);
  });

  it("when a unique key is kept or changed by a save, then only a changed key that another document holds collides", async () => {
    const coll = t.db.collection<Row>("uniqueKept");
    await coll.createIndex({ "seat.no": 1, room: 1 }, { unique: true });
    await coll.insertMany([
      { _id: 1, seat: { no: 1, row: "a" }, room: "r1", n: 0 },
      { _id: 2, seat: { no: 2, row: "a" }, room: "r1", n: 0 },
    ]);
    await coll.updateOne({ _id: 1 }, { $inc: { n: 1 }, $set: { "seat.row": "b" } });
    // The same key written anew (the same values in a new sub-document) is no collision with itself.
    await coll.updateOne({ _id: 1 }, { $set: { seat: { no: 1, row: "c" }, room: "r1" } });
    expect((await rejection(coll.updateOne({ _id: 2 }, { $set: { "seat.no": 1 } }))).code).to.equal(11000);
    expect((await rejection(coll.updateOne({ _id: 1 }, { $set: { seat: { no: 2 } } }))).code).to.equal(11000);
    await coll.updateOne({ _id: 2 }, { $set: { room: "r2" } });
    await coll.updateOne({ _id: 2 }, { $set: { "seat.no": 1 } });
    expect(await coll.countDocuments({ "seat.no": 1 })).to.equal(2);
  });

  it("when a save reaches arrays on a compound index's fields, then parallel arrays are refused and anything else is kept", async () => {
    const coll = t.db.collection<Row>("arrayKeys");
    await coll.createIndex({ a: 1, "b.c": 1 });
    await coll.insertOne({ _id: 1, a: [1, 2], b: { c: 1 }, n: 0 });
    await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
    await coll.updateOne({ _id: 1 }, { $set: { "a.2": 3 } });
    const parallel = await rejection(coll.updateOne({ _id: 1 }, { $set: { "b.c": [1, 2] } }));
    expect(parallel.code).to.equal(171);
    const throughArray = await rejection(coll.updateOne({ _id: 1 }, { $set: { b: [{ c: 1 }] } }));
    expect(throughArray.code).to.equal(171);
    await coll.updateOne({ _id: 1 }, { $set: { a: 5 } });
    await coll.updateOne({ _id: 1 }, { $set: { b: [{ c: 1 }, { c: 2 }] } });
    const back = await rejection(coll.updateOne({ _id: 1 }, { $set: { a: [1] } }));
    expect(back.code).to.equal(171);
    await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } });
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: 5, b: [{ c: 1 }, { c: 2 }], n: 2 });
    expect(await coll.countDocuments({ "b.c": 2, a: 5 })).to.equal(1);
  });
});

describe("mongo-standin: index upkeep of a save in the stand-in's storage", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's storage directly");
  });

  const ns = "app.things";

  /** Ids each index holds under `key` (its first field), against what a scan says it should hold. */
  function heldAndExpected(collection: Collection, name: string, value: unknown): [string[], string[]] {
    const index = collection.indexes.find((candidate) => candidate.name === name);
    if (!index) throw new Error(`no index ${name}`);
    const field = index.fields[0] ?? "";
    const partial = index.spec.partialFilterExpression as Document | undefined;
    const inFilter = partial ? compileFilter(partial) : () => true;
    const matches = compileFilter({ [field]: value });
    const held = [...index.lookup(valueKey(value), 1)].sort();
    const expected = [...collection.current()]
      .filter(([, doc]) => inFilter(doc) && matches(doc))
      .map(([id]) => id)
      .sort();
    return [held, expected];
  }

  function save(store: Store, id: string, update: Document): void {
    const collection = store.collection(ns);
    const before = collection?.get(valueKey(id));
    if (!collection || !before) throw new Error(`no ${id}`);
    const after = applyUpdate(before, { update, filter: {} }, false);
    store.write([{ ns, changes: [{ id: valueKey(id), doc: after }] }]);
  }

  function partialStore(): Store {
    const store = new Store();
    store.create(ns, {});
    store.createIndex(ns, {
      v: 2,
      key: { code: 1 },
      name: "code_1",
      partialFilterExpression: { $and: [{ status: "active" }, { "meta.level": { $gte: 2 } }] },
    });
    store.createIndex(ns, {
      v: 2,
      key: { tag: 1 },
      name: "tag_1",
      partialFilterExpression: { tag: { $exists: true } },
    });
    store.write([
      {
        ns,
        changes: [1, 2, 3].map((i) => ({
          id: valueKey(`d${i}`),
          doc: { _id: `d${i}`, code: `c${i % 2}`, status: "active", meta: { level: i }, tag: "t", n: 0 },
        })),
      },
    ]);
    return store;
  }

  it("when saves move documents in and out of a partial index's filter, then the index holds exactly the ones inside", () => {
    const store = partialStore();
    const collection = store.collection(ns) as Collection;
    const check = () => {
      for (const [name, value] of [
        ["code_1", "c0"],
        ["code_1", "c1"],
        ["tag_1", "t"],
        ["tag_1", "u"],
      ] as const) {
        const [held, expected] = heldAndExpected(collection, name, value);
        expect(held, `${name} ${value}`).to.deep.equal(expected);
      }
    };
    check();
    save(store, "d1", { $inc: { n: 1 } });
    check();
    save(store, "d1", { $set: { "meta.level": 5 } });
    check();
    save(store, "d3", { $set: { status: "paused" } });
    check();
    save(store, "d3", { $inc: { n: 1 } });
    check();
    save(store, "d3", { $set: { status: "active", code: "c0" } });
    check();
    save(store, "d2", { $unset: { tag: "" } });
    check();
    save(store, "d2", { $set: { tag: "u", meta: { level: 1 } } });
    check();
    save(store, "d2", { $set: { "meta.level": 3 } });
    check();
    expect(heldAndExpected(collection, "code_1", "c0")[0]).to.deep.equal([valueKey("d2"), valueKey("d3")]);
  });

  it("when one write holds two batches for the same document, then the index follows the last of them", () => {
    const store = partialStore();
    const collection = store.collection(ns) as Collection;
    const before = collection.get(valueKey("d2")) as Doc;
    // The first batch moves the key away, the second brings back the very values it had.
    const moved = applyUpdate(before, { update: { $set: { code: "c9" } }, filter: {} }, false);
    const back = applyUpdate(before, { update: { $inc: { n: 1 } }, filter: {} }, false);
    store.write([
      { ns, changes: [{ id: valueKey("d2"), doc: moved }] },
      { ns, changes: [{ id: valueKey("d2"), doc: back }] },
    ]);
    for (const value of ["c0", "c1", "c9"]) {
      const [held, expected] = heldAndExpected(collection, "code_1", value);
      expect(held, value).to.deep.equal(expected);
    }
    expect(heldAndExpected(collection, "code_1", "c9")[0]).to.deep.equal([]);
  });

  it("when a collection holds documents whose keys were never checked, then a save that keeps those keys is still refused", () => {
    // A journal replay (or a rename) builds indexes without checking the documents' keys.
    const collection = new Collection(ns);
    const doc: Doc = { _id: "p1", a: [1, 2], b: [3, 4], n: 0 };
    collection.apply([{ id: valueKey("p1"), doc }], 1, null);
    collection.addIndex({ v: 2, key: { a: 1, b: 1 }, name: "a_1_b_1" }, false);
    const after = applyUpdate(doc, { update: { $inc: { n: 1 } }, filter: {} }, false);
    const change: Change[] = [{ id: valueKey("p1"), doc: after }];
    expect(collection.checkKeys(change)?.code).to.equal(171);
    // Applied without checks (as a replay is), the next save keeping them is still refused.
    const replayed = new Collection(ns);
    replayed.addIndex({ v: 2, key: { a: 1, b: 1 }, name: "a_1_b_1" });
    replayed.apply([{ id: valueKey("p1"), doc }], 1, null);
    expect(replayed.checkKeys(change)?.code).to.equal(171);
  });

  it("when an index is added between a change's check and its apply, then a later save keeping the change's keys is refused", () => {
    const collection = new Collection(ns);
    collection.addIndex({ v: 2, key: { n: 1 }, name: "n_1" });
    const doc: Doc = { _id: "p1", a: [1, 2], b: [3, 4], n: 0 };
    const changes: Change[] = [{ id: valueKey("p1"), doc }];
    expect(collection.checkKeys(changes)).to.equal(null);
    collection.addIndex({ v: 2, key: { a: 1, b: 1 }, name: "a_1_b_1" });
    collection.apply(changes, 1, null);
    const after = applyUpdate(doc, { update: { $inc: { n: 1 } }, filter: {} }, false);
    expect(collection.checkKeys([{ id: valueKey("p1"), doc: after }])?.code).to.equal(171);
  });

  it("when a store replays a journal holding unchecked keys, then saves keeping them are refused", () => {
    const store = new Store();
    const journal = {
      append: () => undefined,
      durable: () => Promise.resolve(),
      appended: 0,
      syncing: false,
    };
    const doc: Doc = { _id: "p1", a: [1, 2], b: [3, 4], n: 0 };
    store.attachJournal(journal as never, [
      { op: "create", ns, options: {} },
      { op: "index", ns, spec: { v: 2, key: { a: 1, b: 1 }, name: "a_1_b_1" } },
      { op: "write", batches: [{ ns, changes: [{ id: valueKey("p1"), doc }] }] },
    ]);
    expect(() => save(store, "p1", { $inc: { n: 1 } })).to.throw(/parallel arrays/);
    expect(store.collection(ns)?.get(valueKey("p1"))?.n).to.equal(0);
  });
});
