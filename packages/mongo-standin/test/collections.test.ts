import { expect } from "chai";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: collections and databases", () => {
  const t = useStandinDatabase("standin_coll");

  it("when a collection is created twice, then the second create fails with 48 NamespaceExists", async () => {
    await t.db.createCollection("twice");
    const error = await rejection(t.db.createCollection("twice"));
    expect(error.code).to.equal(48);
  });

  it("when collections are listed, then each shows by name and type, and a name filter selects one", async () => {
    await t.db.createCollection("listed_a");
    await t.db.collection("listed_b").insertOne({ x: 1 });
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).to.include.members(["listed_a", "listed_b"]);
    const one = await t.db.listCollections({ name: "listed_b" }).toArray();
    expect(one.map((c) => [c.name, c.type])).to.deep.equal([["listed_b", "collection"]]);
  });

  it("when a collection is dropped, then its documents and indexes are gone and dropping again succeeds", async () => {
    const coll = t.db.collection("dropme");
    await coll.insertOne({ a: 1 });
    await coll.createIndex({ a: 1 }, { unique: true });
    expect(await coll.drop()).to.equal(true);
    expect(await coll.countDocuments()).to.equal(0);
    await coll.insertOne({ a: 1 });
    await coll.insertOne({ a: 1 });
    expect(await coll.countDocuments()).to.equal(2);
  });

  it("when a collection is renamed, then its documents and indexes move and an existing target needs dropTarget", async () => {
    const from = t.db.collection("rename_from");
    await from.createIndex({ k: 1 }, { unique: true });
    await from.insertOne({ k: 1 });
    await t.db.collection("rename_to").insertOne({ k: 99 });
    expect((await rejection(from.rename("rename_to"))).code).to.equal(48);
    await from.rename("rename_to", { dropTarget: true });
    const to = t.db.collection("rename_to");
    expect(await to.find({}, { projection: { _id: 0 } }).toArray()).to.deep.equal([{ k: 1 }]);
    expect((await rejection(to.insertOne({ k: 1 }))).code).to.equal(11000);
    expect(await from.countDocuments()).to.equal(0);
  });

  it("when a database is dropped, then listDatabases no longer shows it and its data is gone", async () => {
    const other = t.client.db(`${t.dbName}_extra`);
    await other.collection("c").insertOne({ a: 1 });
    const before = await t.client.db("admin").admin().listDatabases({ nameOnly: true });
    expect(before.databases.map((d) => d.name)).to.include(`${t.dbName}_extra`);
    await other.dropDatabase();
    const after = await t.client.db("admin").admin().listDatabases({ nameOnly: true });
    expect(after.databases.map((d) => d.name)).to.not.include(`${t.dbName}_extra`);
    expect(await other.collection("c").countDocuments()).to.equal(0);
  });

  it("when the server is asked for ping, buildInfo, hello and getParameter, then it answers like a writable replica-set primary with sessions", async () => {
    const admin = t.client.db("admin");
    expect((await admin.command({ ping: 1 })).ok).to.equal(1);
    expect((await admin.command({ buildInfo: 1 })).version).to.be.a("string");
    const hello = await admin.command({ hello: 1 });
    expect(hello.isWritablePrimary).to.equal(true);
    expect(hello.setName).to.be.a("string");
    expect(hello.logicalSessionTimeoutMinutes).to.be.a("number");
    expect(hello.maxWireVersion).to.be.at.least(9);
    const fcv = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(fcv.featureCompatibilityVersion.version).to.be.a("string");
  });
});
