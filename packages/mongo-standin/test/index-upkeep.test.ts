import { expect } from "chai";
import type { Document } from "bson";
import { Index } from "../src/indexes.js";
import { compileFilter, applyUpdate } from "../src/query.js";
import { Collection } from "../src/storage/collection.js";
import { valueKey, type Doc } from "../src/storage/values.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * Index upkeep on update: an update that changes no indexed field leaves the indexes alone (a
 * save of one answer recomputed and re-stored the keys of all four attempt indexes), and one that
 * does change an indexed field still moves the document. The stand-in's own storage, checked
 * directly.
 */
describe("mongo-standin: index upkeep on update", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's storage directly");
  });

  function attempts(): Collection {
    const collection = new Collection("app.attempts");
    collection.addIndex({ v: 2, key: { status: 1, deadline: 1 }, name: "status_1_deadline_1" });
    collection.addIndex({ v: 2, key: { "meta.room": 1 }, name: "meta.room_1" });
    collection.addIndex({ v: 2, key: { tags: 1 }, name: "tags_1" });
    collection.addIndex({ v: 2, key: { seq: 1 }, name: "seq_1", unique: true });
    const docs = Array.from({ length: 20 }, (_, i) => ({
      _id: `a${i}`,
      status: i % 3 === 0 ? "submitted" : "in_progress",
      deadline: new Date(Date.UTC(2026, 0, 1, 10, i)),
      meta: { room: `r${i % 4}`, note: "" },
      tags: [`t${i % 2}`],
      seq: i,
      answers: Array.from({ length: 5 }, () => ({ choice: [] as string[], seq: 0 })),
    }));
    collection.apply(
      docs.map((doc) => ({ id: valueKey(doc._id), doc })),
      1,
      null,
    );
    return collection;
  }

  /** Applies `update` to one stored document the way the update command does (copies on the changed paths only). */
  function update(collection: Collection, id: string, u: Document, at: number): void {
    const before = collection.get(valueKey(id));
    if (!before) throw new Error(`no ${id}`);
    const after = applyUpdate(before, { update: u, filter: {} }, false);
    const error = collection.checkUnique([{ id: valueKey(id), doc: after }]);
    if (error) throw error;
    collection.apply([{ id: valueKey(id), doc: after }], at, null);
  }

  /** What the index answers for `filter`, against what a scan of the current documents finds. */
  function indexedAndScanned(collection: Collection, filter: Document): [string[], string[]] {
    const matches = compileFilter(filter);
    const ids = collection.candidates(filter);
    if (!ids) throw new Error(`no index answers ${JSON.stringify(filter)}`);
    const indexed = [...ids]
      .filter((id) => {
        const doc = collection.get(id);
        return doc !== null && matches(doc);
      })
      .sort();
    const scanned = [...collection.current()]
      .filter(([, doc]) => matches(doc))
      .map(([id]) => id)
      .sort();
    return [indexed, scanned];
  }

  it("when saves change no indexed field, then no index key is computed for them", () => {
    const collection = attempts();
    const computed = { n: 0 };
    const original = Object.getOwnPropertyDescriptor(Index.prototype, "levelKeysFor")?.value as (
      this: Index,
      doc: Doc,
    ) => string[][];
    Index.prototype.levelKeysFor = function (this: Index, doc: Doc) {
      computed.n += 1;
      return original.call(this, doc);
    };
    try {
      for (let i = 0; i < 10; i++)
        update(collection, `a${i}`, { $set: { "answers.2.choice": ["A"], "answers.2.seq": i + 1 } }, 2 + i);
    } finally {
      Index.prototype.levelKeysFor = original;
    }
    expect(computed.n).to.equal(0);
  });

  it("when updates change indexed fields or only their neighbours, then every index answers exactly as a scan", () => {
    const collection = attempts();
    let at = 2;
    // Neighbours of indexed paths: a sibling in the same sub-document, answers, a new field.
    update(collection, "a1", { $set: { "meta.note": "late" } }, at++);
    update(collection, "a2", { $set: { "answers.0.choice": ["B"] }, $inc: { other: 1 } }, at++);
    // Indexed fields themselves: a status with the same deadline, a room, an array grown, a range field.
    update(collection, "a4", { $set: { status: "submitted" } }, at++);
    update(collection, "a5", { $set: { "meta.room": "r9" } }, at++);
    update(collection, "a7", { $push: { tags: "t9" } }, at++);
    update(collection, "a8", { $set: { deadline: new Date(Date.UTC(2026, 0, 1, 12, 0)) } }, at++);
    // The same value written anew (a new Date object, equal time): still one key.
    update(collection, "a10", { $set: { deadline: new Date(Date.UTC(2026, 0, 1, 10, 10)) } }, at++);
    update(collection, "a11", { $set: { meta: { room: "r3", note: "x" } } }, at);
    const filters: Document[] = [
      { status: "in_progress" },
      { status: "submitted" },
      { status: "submitted", deadline: new Date(Date.UTC(2026, 0, 1, 10, 4)) },
      { status: "in_progress", deadline: new Date(Date.UTC(2026, 0, 1, 12, 0)) },
      { status: "in_progress", deadline: new Date(Date.UTC(2026, 0, 1, 10, 10)) },
      { "meta.room": "r1" },
      { "meta.room": "r9" },
      { "meta.room": "r3" },
      { tags: "t9" },
      { tags: "t1" },
      { seq: 5 },
    ];
    for (const filter of filters) {
      const [indexed, scanned] = indexedAndScanned(collection, filter);
      expect(indexed, JSON.stringify(filter)).to.deep.equal(scanned);
      expect(scanned.length, JSON.stringify(filter)).to.be.greaterThan(0);
    }
    expect(indexedAndScanned(collection, { "meta.room": "r1" })[0]).to.not.include(valueKey("a5"));
  });

  it("when an update replaces an array an index reaches into (keys.id), then the index answers the new elements and not the old", () => {
    // The hub's registry: `nodeKeys.keyId` answers "is this key another province's?"; a walk
    // reading `array.keyId` on both versions saw undefined twice and kept the old keys.
    const collection = new Collection("app.nodes");
    collection.addIndex({ v: 2, key: { "nodeKeys.keyId": 1 }, name: "nodeKeys.keyId_1" });
    collection.addIndex({ v: 2, key: { "nodeKeys.keyId": 1, code: 1 }, name: "nodeKeys.keyId_1_code_1" });
    const doc = { _id: "n1", code: "110000", nodeKeys: [{ keyId: "K1" }] };
    collection.apply([{ id: valueKey(doc._id), doc }], 1, null);
    update(collection, "n1", { $set: { nodeKeys: [{ keyId: "K2" }] } }, 2);
    update(collection, "n1", { $push: { nodeKeys: { keyId: "K3" } } }, 3);
    for (const filter of [{ "nodeKeys.keyId": "K1" }, { "nodeKeys.keyId": "K2" }, { "nodeKeys.keyId": "K3" }]) {
      const [indexed, scanned] = indexedAndScanned(collection, filter);
      expect(indexed, JSON.stringify(filter)).to.deep.equal(scanned);
    }
    expect(indexedAndScanned(collection, { "nodeKeys.keyId": "K2" })[0]).to.deep.equal([valueKey("n1")]);
    expect(indexedAndScanned(collection, { "nodeKeys.keyId": "K1" })[0]).to.deep.equal([]);
  });

  it("when a batch keeps one document's unique key and gives another document the same key, then it is a duplicate", () => {
    const collection = attempts();
    const a1 = collection.get(valueKey("a1"));
    const a2 = collection.get(valueKey("a2"));
    if (!a1 || !a2) throw new Error("fixture");
    const keeps = applyUpdate(a1, { update: { $set: { "meta.note": "kept" } }, filter: {} }, false);
    const takes = applyUpdate(a2, { update: { $set: { seq: 1 } }, filter: {} }, false);
    const error = collection.checkUnique([
      { id: valueKey("a1"), doc: keeps },
      { id: valueKey("a2"), doc: takes },
    ]);
    expect(error?.code).to.equal(11000);
    // Alone, the document keeping its key is no duplicate of itself.
    expect(collection.checkUnique([{ id: valueKey("a1"), doc: keeps }])).to.equal(null);
  });
});

describe("mongo-standin: an index key held by one document, then several, then none", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's storage directly");
  });

  it("when documents join and leave a key one by one, then a lookup names exactly the ones holding it at each step", () => {
    const index = new Index({ v: 2, key: { room: 1 }, name: "room_1" });
    const key = valueKey("r1");
    const ids = () => [...index.lookup(key)].sort();
    const doc = (id: string) => ({ _id: id, room: "r1" });
    expect(ids()).to.deep.equal([]);
    index.add("a", doc("a"));
    index.add("a", doc("a"));
    expect(ids()).to.deep.equal(["a"]);
    index.add("b", doc("b"));
    index.add("c", doc("c"));
    expect(ids()).to.deep.equal(["a", "b", "c"]);
    index.remove("b", doc("b"));
    index.remove("a", doc("a"));
    expect(ids()).to.deep.equal(["c"]);
    index.remove("x", doc("x"));
    expect(ids()).to.deep.equal(["c"]);
    index.add("d", doc("d"));
    expect(ids()).to.deep.equal(["c", "d"]);
    index.remove("c", doc("c"));
    index.remove("d", doc("d"));
    expect(ids()).to.deep.equal([]);
  });
});
