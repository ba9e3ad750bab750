import { expect } from "chai";
import { Schema } from "mongoose";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: aggregation", () => {
  const t = useStandinDatabase("standin_agg");

  it("when mongoose countDocuments and a $match/$group pipeline run, then they count and sum like the server", async () => {
    const Score = t.conn.model("AggScore", new Schema({ exam: String, points: Number }));
    await Score.create([
      { exam: "A", points: 80 },
      { exam: "A", points: 90 },
      { exam: "B", points: 60 },
    ]);
    expect(await Score.countDocuments({ exam: "A" })).to.equal(2);
    const totals = await Score.aggregate<{ _id: string; total: number; n: number }>([
      { $match: { points: { $gte: 60 } } },
      { $group: { _id: "$exam", total: { $sum: "$points" }, n: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(totals).to.deep.equal([
      { _id: "A", total: 170, n: 2 },
      { _id: "B", total: 60, n: 1 },
    ]);
  });

  it("when a pipeline uses $lookup, then documents are joined from the other collection", async () => {
    await t.db.collection("lk_orgs").insertMany([
      { _id: "o1" as never, name: "北京驾校" },
      { _id: "o2" as never, name: "上海驾校" },
    ]);
    await t.db.collection("lk_people").insertMany([
      { name: "张三", org: "o1" },
      { name: "李四", org: "o2" },
    ]);
    const joined = await t.db
      .collection("lk_people")
      .aggregate([
        { $lookup: { from: "lk_orgs", localField: "org", foreignField: "_id", as: "orgDoc" } },
        { $project: { _id: 0, name: 1, orgName: { $first: "$orgDoc.name" } } },
        { $sort: { name: 1 } },
      ])
      .toArray();
    expect(joined).to.have.deep.members([
      { name: "张三", orgName: "北京驾校" },
      { name: "李四", orgName: "上海驾校" },
    ]);
  });

  it("when a pipeline ends in $out, then the target collection holds exactly the results, independent of the source", async () => {
    const src = t.db.collection("out_src");
    await src.insertMany([
      { k: 1, nested: { v: 1 } },
      { k: 2, nested: { v: 2 } },
    ]);
    await t.db.collection("out_dst").insertOne({ stale: true });
    await src.aggregate([{ $match: { k: { $gte: 1 } } }, { $out: "out_dst" }]).toArray();
    await src.updateMany({}, { $set: { "nested.v": 99 } });
    const out = await t.db
      .collection("out_dst")
      .find({}, { projection: { _id: 0 } })
      .sort({ k: 1 })
      .toArray();
    expect(out).to.deep.equal([
      { k: 1, nested: { v: 1 } },
      { k: 2, nested: { v: 2 } },
    ]);
  });

  it("when a pipeline ends in $merge, then matched documents are merged and new ones inserted", async () => {
    await t.db.collection("mg_totals").insertOne({ _id: "A" as never, total: 1, note: "kept" });
    await t.db.collection("mg_src").insertMany([
      { exam: "A", p: 5 },
      { exam: "B", p: 7 },
    ]);
    await t.db
      .collection("mg_src")
      .aggregate([
        { $group: { _id: "$exam", total: { $sum: "$p" } } },
        { $merge: { into: "mg_totals", on: "_id", whenMatched: "merge", whenNotMatched: "insert" } },
      ])
      .toArray();
    const totals = await t.db.collection("mg_totals").find().sort({ _id: 1 }).toArray();
    expect(totals).to.deep.equal([
      { _id: "A", total: 5, note: "kept" },
      { _id: "B", total: 7 },
    ]);
  });

  it("when $size meets null, a missing field or a non-array, then the pipeline fails with 17124", async () => {
    const coll = t.db.collection("sizeArgs");
    await coll.insertMany([{ k: 1, a: [1, 2] }, { k: 2, a: null }, { k: 3 }, { k: 4, a: "xy" }]);
    expect(
      await coll
        .aggregate([{ $match: { k: 1 } }, { $project: { _id: 0, n: { $size: "$a" }, m: { $size: ["$a"] } } }])
        .toArray(),
    ).to.deep.equal([{ n: 2, m: 2 }]);
    for (const k of [2, 3, 4]) {
      const error = await rejection(
        coll.aggregate([{ $match: { k } }, { $project: { n: { $size: "$a" } } }]).toArray(),
      );
      expect(error.code, String(k)).to.equal(17124);
    }
  });
});
