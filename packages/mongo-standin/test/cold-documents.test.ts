import {
  Binary,
  Decimal128,
  deserialize,
  Double,
  Int32,
  Long,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
  type Document,
} from "bson";
import { expect } from "chai";
import { MongoClient } from "mongodb";
import { startStandin } from "../src/index.js";
import { coldSliceDue } from "../src/standin.js";
import { createServerState, execute, type ServerState } from "../src/server.js";
import { decodeStored, encodeExact } from "../src/storage/encoded.js";
import { Store } from "../src/storage/store.js";
import { valueKey, type Doc } from "../src/storage/values.js";
import { random } from "./seeded-random.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/** Strict sameness: key order, prototypes, Object.is for numbers, class contents. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return a.source === (b as RegExp).source && a.flags === (b as RegExp).flags;
  if (a instanceof Binary)
    return (
      a.sub_type === (b as Binary).sub_type && Buffer.from(a.buffer).equals(Buffer.from((b as Binary).buffer))
    );
  // Same class (checked above) and same bytes: ObjectId, Decimal128, Timestamp, UUID.
  if ("_bsontype" in a) return Buffer.from(serialize({ v: a })).equals(serialize({ v: b }));
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  if (keys.join("\u0000") !== otherKeys.join("\u0000")) return false;
  return keys.every((key) => same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** A random value of a kind the encoder accepts, nested up to `depth`. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 0 ? 15 : 12));
  const scalars: Array<() => unknown> = [
    () => Math.floor(next() * 2 ** 31) * (next() < 0.5 ? -1 : 1), // int32 range
    () => (next() - 0.5) * 1e300, // a double
    () => [-0, 0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 31, -(2 ** 31) - 1][Math.floor(next() * 8)],
    () => ["", "a", "考试", "🚗 emoji", "$x", "a.b", "__proto__"][Math.floor(next() * 7)],
    () => next() < 0.5,
    () => null,
    () => new Date(Math.floor(next() * 4e12) - 1e12),
    () => new ObjectId(),
    () => Decimal128.fromString(["1.0", "-0", "0.1", "1E+3", "NaN"][Math.floor(next() * 5)] ?? "1"),
    () =>
      new Binary(Buffer.from([1, 2, Math.floor(next() * 256)]), [0, 2, 3, 5, 128][Math.floor(next() * 5)]),
    () => new Timestamp({ t: Math.floor(next() * 1e9), i: Math.floor(next() * 100) }),
    () => new UUID(),
  ];
  if (pick < scalars.length) return scalars[pick]?.();
  if (pick === 12 || pick === 13) {
    const out: Record<string, unknown> = {};
    const keys = ["a", "b", "10", "2", "__proto__", "z", "$v", "x.y"];
    for (let i = Math.floor(next() * 5); i > 0; i -= 1) {
      const key = keys[Math.floor(next() * keys.length)] ?? "a";
      Object.defineProperty(out, key, {
        value: randomValue(next, depth - 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth - 1));
}

describe("mongo-standin: cold documents kept as BSON bytes", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's own storage");
  });

  it("when a document of every supported type is encoded, then decoding gives back the same fields, order, classes and numbers", () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const next = random(seed);
      const doc: Doc = { _id: seed };
      for (let i = 0; i < 6; i += 1) doc[`f${i}`] = randomValue(next, 3);
      const bytes = encodeExact(doc, 0);
      expect(bytes, `seed ${seed}`).to.not.equal(null);
      expect(same(decodeStored(bytes as Buffer), doc), `seed ${seed}`).to.equal(true);
    }
  });

  it("when a document holds a value its bytes would not give back, then it stays an object (each would change)", () => {
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    const refused: unknown[] = [
      undefined,
      "lone \ud800 surrogate",
      new Date(Number.NaN),
      Long.fromNumber(5),
      new Int32(5),
      new Double(5),
      { $ref: "c", $id: 1 },
      new Binary(Buffer.alloc(16, 7), Binary.SUBTYPE_UUID),
      /a/s,
      sparse,
      nullProto,
      [undefined],
    ];
    refused.forEach((value, i) => {
      const doc = { _id: 1, nested: { v: value } };
      // Encoding anyway would be wrong: the decoded document differs from the stored one.
      expect(same(deserialize(serialize(doc)), doc), `refused value ${i}`).to.equal(false);
      expect(encodeExact(doc, 0), `refused value ${i}`).to.equal(null);
    });
  });

  it("when a document is smaller than the threshold, then it stays an object", () => {
    expect(encodeExact({ _id: 1, a: "x" })).to.equal(null);
    expect(encodeExact({ _id: 1, a: "x".repeat(20_000) })).to.not.equal(null);
  });
});

const DB = "cold";
const FILLER = "题".repeat(6_000); // 18 KB of UTF-8: above the encoding threshold

function run(state: ServerState, command: Document, db = DB): Document {
  const { reply } = execute({ ...command, $db: db }, db, state, 1);
  return reply;
}

function seededState(): ServerState {
  const state = createServerState(new Store(), undefined);
  run(state, {
    createIndexes: "c",
    indexes: [
      { key: { k: 1 }, name: "k_1", unique: true },
      { key: { tag: 1, n: 1 }, name: "tag_1_n_1" },
    ],
  });
  const documents = Array.from({ length: 12 }, (_, i) => ({
    _id: `d${i}`,
    k: i,
    tag: ["a", "b", "c"][i % 3],
    n: i % 4,
    list: [i, { deep: [i, -0, 1.5] }],
    at: new Date(1_700_000_000_000 + i),
    big: FILLER,
  }));
  run(state, { insert: "c", documents });
  return state;
}

/** Encodes every document of the store that can be, as a long-idle server would. */
function encodeAll(state: ServerState): void {
  state.store.encodeCold(Number.POSITIVE_INFINITY);
}

/** Commands covering reads, index lookups, writes, aggregation and a refused duplicate. */
const COMMANDS: Document[] = [
  { find: "c", filter: {} },
  { find: "c", filter: { k: 3 } },
  { find: "c", filter: { tag: "b", n: { $in: [1, 2] } }, projection: { big: 0 } },
  { find: "c", filter: { "list.deep": 1.5 }, sort: { k: -1 }, limit: 3 },
  { count: "c", query: { n: 0 } },
  { distinct: "c", key: "tag" },
  {
    aggregate: "c",
    pipeline: [
      { $match: { n: { $gte: 1 } } },
      { $group: { _id: "$tag", total: { $sum: "$k" } } },
      { $sort: { _id: 1 } },
    ],
    cursor: {},
  },
  {
    update: "c",
    updates: [{ q: { _id: "d1" }, u: { $set: { "list.1.deep.0": "x" }, $push: { extra: 1 } } }],
  },
  { update: "c", updates: [{ q: { tag: "c" }, u: { $inc: { n: 10 } }, multi: true }] },
  { findAndModify: "c", query: { k: 4 }, update: { $unset: { at: "" } }, new: true },
  { insert: "c", documents: [{ _id: "dup", k: 5, big: FILLER }] },
  { update: "c", updates: [{ q: { _id: "d2" }, u: { $set: { k: 7 } } }] },
  { delete: "c", deletes: [{ q: { k: 6 }, limit: 1 }] },
  // Writes whose filter no index answers: the document is found by a scan, which leaves it as
  // bytes, so the write path itself must read the bytes (old index keys, the live count).
  { update: "c", updates: [{ q: { "list.0": 5 }, u: { $set: { k: 50 } } }] },
  { insert: "c", documents: [{ _id: "k5", k: 5, big: FILLER }] },
  { delete: "c", deletes: [{ q: { "list.0": 10 }, limit: 1 }] },
  { insert: "c", documents: [{ _id: "k10", k: 10, big: FILLER }] },
  { count: "c" },
  { find: "c", filter: { k: { $gte: 0 } }, sort: { k: 1 }, projection: { big: 0 } },
  { find: "c", filter: { n: { $gte: 10 } }, projection: { big: 0 } },
  { find: "c", filter: { k: 6 } },
];

describe("mongo-standin: commands over cold documents", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's own storage");
  });

  it("when every document is held as bytes between commands, then each command answers exactly as over objects", () => {
    const plain = seededState();
    const cold = seededState();
    encodeAll(cold);
    expect(cold.store.collection(`${DB}.c`)?.isEncoded(valueKey("d0"))).to.equal(true);
    for (const command of COMMANDS) {
      const expected = run(plain, command);
      const actual = run(cold, command);
      expect(expected.ok, JSON.stringify(command)).to.not.equal(undefined);
      expect(Buffer.from(serialize(actual)).equals(serialize(expected)), JSON.stringify(command)).to.equal(
        true,
      );
      encodeAll(cold);
    }
    expect(cold.store.collection(`${DB}.c`)?.size).to.equal(plain.store.collection(`${DB}.c`)?.size);
  });

  it("when a point read meets a cold document, then it stays bytes until a second point read soon after keeps it an object, and a scan leaves it as bytes", () => {
    const state = seededState();
    encodeAll(state);
    const collection = state.store.collection(`${DB}.c`);
    run(state, { find: "c", filter: { n: 3 } });
    expect(collection?.isEncoded(valueKey("d3"))).to.equal(true);
    // Grading reads each frozen paper once: that read must not bring it back onto the heap.
    const first = run(state, { find: "c", filter: { _id: "d3" } });
    expect(collection?.isEncoded(valueKey("d3"))).to.equal(true);
    const second = run(state, { find: "c", filter: { k: 3 } });
    expect(collection?.isEncoded(valueKey("d3"))).to.equal(false);
    expect(Buffer.from(serialize(second)).equals(serialize(first))).to.equal(true);
    // Encoded again, the count of reads starts over.
    encodeAll(state);
    run(state, { find: "c", filter: { _id: "d3" } });
    expect(collection?.isEncoded(valueKey("d3"))).to.equal(true);
  });

  it("when a transaction's snapshot predates a write to a cold document, then it still reads the old version and commits conflict-free elsewhere", () => {
    const state = seededState();
    encodeAll(state);
    const session = { lsid: { id: new UUID() }, txnNumber: Long.fromNumber(1), autocommit: false };
    const first = run(state, {
      find: "c",
      filter: { k: 8 },
      projection: { big: 0 },
      ...session,
      startTransaction: true,
    });
    expect(first.cursor.firstBatch).to.have.length(1);
    run(state, { update: "c", updates: [{ q: { _id: "d8" }, u: { $set: { k: 80 } } }] });
    encodeAll(state);
    const inside = run(state, { find: "c", filter: { k: 8 }, projection: { _id: 1, k: 1 }, ...session });
    expect(inside.cursor.firstBatch).to.deep.equal([{ _id: "d8", k: 8 }]);
    run(state, { update: "c", updates: [{ q: { _id: "d9" }, u: { $set: { k: 90 } } }], ...session });
    expect(run(state, { commitTransaction: 1, ...session }, "admin").ok).to.equal(1);
    const after = run(state, {
      find: "c",
      filter: { k: { $in: [8, 80, 90] } },
      projection: { _id: 1, k: 1 },
      sort: { k: 1 },
    });
    expect(after.cursor.firstBatch).to.deep.equal([
      { _id: "d8", k: 80 },
      { _id: "d9", k: 90 },
    ]);
  });
});

describe("mongo-standin: the cold-document pass", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's own storage");
  });

  it("when each slice's time is up at once, then the next slice goes on where it stopped and the pass completes", () => {
    const state = seededState();
    run(state, {
      insert: "c",
      documents: Array.from({ length: 60 }, (_, i) => ({ _id: `m${i}`, k: 100 + i, big: FILLER })),
    });
    const collection = state.store.collection(`${DB}.c`);
    let slices = 0;
    while (!state.store.encodeCold(Number.POSITIVE_INFINITY, 0) && slices < 100) slices += 1;
    expect(slices).to.be.greaterThan(1);
    expect(slices).to.be.lessThan(100);
    for (let i = 0; i < 60; i += 1) expect(collection?.isEncoded(valueKey(`m${i}`)), `m${i}`).to.equal(true);
  });

  it("when the loop was busy, then the cold pass runs a slice at most once a second; when idle, at every tick", () => {
    const t = 1_700_000_000_000;
    expect(coldSliceDue(0.1, t + 50, t)).to.equal(true);
    expect(coldSliceDue(0.49, t + 50, t)).to.equal(true);
    expect(coldSliceDue(0.5, t + 50, t)).to.equal(false);
    expect(coldSliceDue(0.95, t + 999, t)).to.equal(false);
    expect(coldSliceDue(0.95, t + 1_000, t)).to.equal(true);
    expect(coldSliceDue(1, t, 0)).to.equal(true);
  });

  it("when a server keeps idle documents as bytes, then clients read back every value they wrote", async () => {
    const standin = await startStandin({ port: 0, coldAfterMs: 0 });
    const client = await new MongoClient(standin.uri).connect();
    try {
      const coll = client.db("cold_pass").collection<Document>("c");
      const doc = {
        _id: new ObjectId(),
        int: 7,
        negativeZero: -0,
        double: 1.5,
        big: 2 ** 40,
        decimal: Decimal128.fromString("0.1"),
        at: new Date(1_700_000_000_000),
        bin: new Binary(Buffer.from([1, 2, 3]), 0),
        uuid: new UUID(),
        nested: [[1, [2]], { "a.b": null }],
        text: FILLER,
      };
      await coll.insertOne(doc);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const raw = await coll.findOne({ _id: doc._id }, { raw: true });
      expect(Buffer.from(raw as unknown as Uint8Array).equals(serialize(doc))).to.equal(true);
    } finally {
      await client.close();
      await standin.stop();
    }
  });
});
