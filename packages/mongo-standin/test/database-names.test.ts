import { expect } from "chai";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

/** What mongod does with a database name it cannot hold (the stand-in accepted any before). */
describe("mongo-standin: database names", () => {
  const t = useStandinDatabase("standin_dbnames");

  for (const [name, why] of [
    ["exam room", "a space"],
    ["exam$room", "a dollar sign"],
    ['exam"room', "a double quote"],
    ["exam/room", "a slash"],
    ["考".repeat(22), "64 bytes of UTF-8 or more"],
  ] as const)
    it(`when a command names a database with ${why}, then it fails with InvalidNamespace and nothing is written`, async () => {
      const error = await rejection(t.client.db(name).collection("docs").insertOne({ a: 1 }));
      expect(error.code).to.equal(73);
      expect(error.codeName).to.equal("InvalidNamespace");
      const names = (await t.client.db("admin").admin().listDatabases()).databases.map((d) => d.name);
      expect(names).to.not.include(name);
    });

  it("when a database name is 63 bytes, then it is accepted", async () => {
    const name = `${t.dbName}_`.padEnd(63, "x");
    const db = t.client.db(name);
    await db.collection("docs").insertOne({ a: 1 });
    expect(await db.collection("docs").countDocuments()).to.equal(1);
    await db.dropDatabase();
  });
});
