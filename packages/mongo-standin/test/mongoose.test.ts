import { expect } from "chai";
import { Schema, Types } from "mongoose";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: everyday mongoose features", () => {
  const t = useStandinDatabase("standin_mongoose");

  it("when a schema declares compound and partial unique indexes, then autoIndex builds them and syncIndexes drops strays", async () => {
    const schema = new Schema({ org: String, code: String, idNumber: String, active: Boolean });
    schema.index({ org: 1, code: 1 }, { unique: true });
    schema.index({ idNumber: 1 }, { unique: true, partialFilterExpression: { active: true } });
    const Model = t.conn.model("MgIndexed", schema);
    await Model.init();
    await Model.collection.createIndex({ stray: 1 });
    await Model.syncIndexes();
    const names = (await Model.listIndexes()).map((i: { name: string }) => i.name).sort();
    expect(names).to.deep.equal(["_id_", "idNumber_1", "org_1_code_1"]);
    await Model.create([
      { org: "o", code: "1", idNumber: "x", active: true },
      { org: "o", code: "2", idNumber: "x", active: false },
    ]);
    expect((await rejection(Model.create({ org: "o", code: "1" }))).code).to.equal(11000);
  });

  it("when documents reference each other, then populate, exists and lean reads resolve them", async () => {
    const Org = t.conn.model("MgOrg", new Schema({ name: String }));
    const Person = t.conn.model(
      "MgPerson",
      new Schema({ name: String, org: { type: Schema.Types.ObjectId, ref: "MgOrg" } }),
    );
    const org = await Org.create({ name: "交通运输局" });
    await Person.create([
      { name: "王五", org: org._id },
      { name: "赵六", org: org._id },
    ]);
    const people = await Person.find().sort({ name: 1 }).populate<{ org: { name: string } }>("org").lean();
    expect(people.map((p) => p.org.name)).to.deep.equal(["交通运输局", "交通运输局"]);
    expect(await Person.exists({ name: "王五" })).to.not.equal(null);
    expect(await Person.exists({ name: "nobody" })).to.equal(null);
  });

  it("when timestamps and optimistic concurrency are on, then createdAt survives updates and a stale save is refused", async () => {
    const Doc = t.conn.model(
      "MgVersioned",
      new Schema({ title: String }, { timestamps: true, optimisticConcurrency: true }),
    );
    const created = await Doc.create({ title: "v1" });
    const a = await Doc.findById(created._id);
    const b = await Doc.findById(created._id);
    if (!a || !b) throw new Error("document not found");
    a.title = "v2";
    await a.save();
    b.title = "stale";
    expect((await rejection(b.save())).name).to.equal("VersionError");
    const stored = await Doc.findById(created._id).lean();
    expect(stored?.title).to.equal("v2");
    expect(stored?.createdAt?.getTime()).to.equal(created.createdAt.getTime());
    expect(stored?.updatedAt?.getTime()).to.be.at.least(created.updatedAt.getTime());
  });

  it("when bulkWrite and insertMany(ordered: false) mix good and bad writes, then the good ones land and errors are reported", async () => {
    const Item = t.conn.model("MgItem", new Schema({ sku: { type: String, unique: true }, qty: Number }));
    await Item.init();
    await Item.bulkWrite([
      { insertOne: { document: { sku: "a", qty: 1 } } },
      { updateOne: { filter: { sku: "b" }, update: { $set: { qty: 2 } }, upsert: true } },
      { updateOne: { filter: { sku: "a" }, update: { $inc: { qty: 5 } } } },
    ]);
    const error = await rejection(
      Item.insertMany(
        [
          { sku: "c", qty: 1 },
          { sku: "a", qty: 9 },
          { sku: "d", qty: 1 },
        ],
        { ordered: false },
      ),
    );
    expect(error.code).to.equal(11000);
    const items = await Item.find().sort({ sku: 1 }).lean();
    expect(items.map((i) => [i.sku, i.qty])).to.deep.equal([
      ["a", 6],
      ["b", 2],
      ["c", 1],
      ["d", 1],
    ]);
  });

  it("when a document holds ObjectIds, dates, nested arrays and a Decimal128, then they round-trip with their types", async () => {
    const Rich = t.conn.model(
      "MgRich",
      new Schema({
        ref: Schema.Types.ObjectId,
        at: Date,
        fee: Schema.Types.Decimal128,
        rows: [{ k: String, vals: [Number] }],
      }),
    );
    const ref = new Types.ObjectId();
    const at = new Date("2026-01-02T03:04:05.678Z");
    const made = await Rich.create({ ref, at, fee: "12.34", rows: [{ k: "x", vals: [1, 2.5] }] });
    const back = await Rich.findById(made._id).lean();
    expect(back?.ref?.equals(ref)).to.equal(true);
    expect(back?.at?.toISOString()).to.equal(at.toISOString());
    expect(back?.fee?.toString()).to.equal("12.34");
    expect(back?.rows.map((r) => [r.k, r.vals])).to.deep.equal([["x", [1, 2.5]]]);
  });
});
