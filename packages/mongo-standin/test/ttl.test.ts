import { expect } from "chai";
import { MongoClient } from "mongodb";
import { startStandin } from "../src/index.js";
import { Store } from "../src/storage/store.js";
import { valueKey, type Doc } from "../src/storage/values.js";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

const MINUTE = 60_000;

/**
 * TTL indexes as the server's TTL monitor applies them: every pass (each 60 s on the server)
 * deletes the documents whose indexed date, or earliest date of an indexed array, lies
 * `expireAfterSeconds` or more in the past. Documents without a date there never expire, and a
 * compound index ignores the option.
 */
describe("mongo-standin: TTL indexes", () => {
  const t = useStandinDatabase("standin_ttl");

  beforeEach(function () {
    skipOnRealMongo(this, "this drives the stand-in's own TTL pass (the server's runs once a minute)");
  });

  it("when a TTL pass runs, then exactly the documents whose earliest indexed date has expired are deleted", () => {
    const store = new Store();
    const now = Date.UTC(2026, 5, 1);
    const ns = "app.sessions";
    const collection = store.ensure(ns);
    collection.addIndex({ v: 2, key: { at: 1 }, name: "at_1", expireAfterSeconds: 60 });
    const other = store.ensure("app.compound");
    other.addIndex({ v: 2, key: { at: 1, k: 1 }, name: "at_1_k_1", expireAfterSeconds: 0 });
    const docs: Doc[] = [
      { _id: 1, at: new Date(now - 2 * MINUTE) },
      { _id: 2, at: new Date(now + MINUTE) },
      { _id: 3, at: [new Date(now + MINUTE), new Date(now - 5 * MINUTE)] },
      { _id: 4, at: "2020-01-01" },
      { _id: 5 },
      { _id: 6, at: new Date(now - 30_000) },
    ];
    const changes = docs.map((doc) => ({ id: valueKey(doc._id), doc }));
    store.write([
      { ns, changes },
      { ns: "app.compound", changes },
    ]);
    expect(store.expireTtl(now)).to.equal(2);
    expect([...collection.current()].map(([, doc]) => doc._id)).to.deep.equal([2, 4, 5, 6]);
    expect(other.size).to.equal(6);
    expect(store.expireTtl(now + MINUTE)).to.equal(1);
    expect([...collection.current()].map(([, doc]) => doc._id)).to.deep.equal([2, 4, 5]);
  });

  it("when a stand-in runs its TTL monitor, then an expired document disappears and a live one stays", async () => {
    const standin = await startStandin({ port: 0, ttlMonitorIntervalMs: 20 });
    const client = await new MongoClient(standin.uri).connect();
    try {
      const coll = client.db("ttl_monitor").collection<Numbered>("nonces");
      await coll.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      await coll.insertMany([
        { _id: 1, expiresAt: new Date(Date.now() - 1000) },
        { _id: 2, expiresAt: new Date(Date.now() + 3_600_000) },
      ]);
      const deadline = Date.now() + 5000;
      while ((await coll.countDocuments({})) > 1 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await coll.find({}).toArray()).map((doc) => doc._id)).to.deep.equal([2]);
    } finally {
      await client.close();
      await standin.stop();
    }
  });

  it("when expireAfterSeconds is not a non-negative number or sits on _id, then the index is refused", async () => {
    const coll = t.db.collection("badTtl");
    for (const value of [-1, "60", Number.NaN]) {
      const error = await rejection(coll.createIndex({ at: 1 }, { expireAfterSeconds: value as number }));
      expect(error.message, String(value)).to.match(/mongo-standin does not support expireAfterSeconds/);
    }
    const error = await rejection(coll.createIndex({ _id: 1 }, { name: "id_ttl", expireAfterSeconds: 60 }));
    expect(error.message).to.match(/mongo-standin does not support/);
  });
});
