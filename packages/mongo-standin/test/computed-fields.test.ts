import { expect } from "chai";
import { useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * Computed fields at dotted paths, as the server's projection executor places them: a sub-document
 * on the path gets the field, an array gets it in every element (scalars there become
 * sub-documents, nested arrays are entered in pipelines), a scalar or missing parent becomes a
 * sub-document of the computed fields. A nested object in `$set`/`$addFields` is such a path too,
 * so it merges into an existing sub-document.
 */
describe("mongo-standin: computed fields at dotted paths", () => {
  const t = useStandinDatabase("standin_computed_fields");

  it("when a pipeline update sets a dotted field through an array of sub-documents, then every element gets it", async () => {
    const coll = t.db.collection<Numbered>("throughArray");
    await coll.insertOne({ _id: 1, a: [{ b: 1 }, { b: 2 }] });
    await coll.updateOne({ _id: 1 }, [{ $set: { "a.c": 5 } }]);
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({
      _id: 1,
      a: [
        { b: 1, c: 5 },
        { b: 2, c: 5 },
      ],
    });
  });

  it("when a pipeline update sets a dotted field under a scalar, then the scalar becomes a sub-document", async () => {
    const coll = t.db.collection<Numbered>("underScalar");
    await coll.insertOne({ _id: 1, a: 3, z: 1 });
    await coll.updateOne({ _id: 1 }, [{ $set: { "a.c": 5 } }]);
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: { c: 5 }, z: 1 });
  });

  it("when a pipeline update sets fields under an existing sub-document or a missing parent, then they are added there", async () => {
    const coll = t.db.collection<Numbered>("outboxLike");
    await coll.insertOne({ _id: 1, deliveries: { mail: { status: "processing", attempts: 2 } } });
    await coll.updateOne({ _id: 1 }, [
      {
        $set: {
          "deliveries.mail.status": { $literal: "pending" },
          "deliveries.mail.claimedBy": null,
          "deliveries.hub.status": { $literal: "$failed" },
        },
      },
    ]);
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({
      _id: 1,
      deliveries: {
        mail: { status: "pending", attempts: 2, claimedBy: null },
        hub: { status: "$failed" },
      },
    });
  });

  it("when an array holds scalars and nested arrays, then scalars become sub-documents and nested arrays are entered", async () => {
    const coll = t.db.collection<Numbered>("mixedArray");
    await coll.insertOne({ _id: 1, a: [1, { s: [2, {}] }, [1]] });
    const [doc] = await coll.aggregate([{ $addFields: { "a.n.b": "v" } }]).toArray();
    const added = { n: { b: "v" } };
    expect(doc).to.deep.equal({ _id: 1, a: [added, { s: [2, {}], ...added }, [added]] });
  });

  it("when $set names a sub-document with a nested object, then it merges into it as a dotted path would", async () => {
    const coll = t.db.collection<Numbered>("nestedSpec");
    await coll.insertOne({ _id: 1, meta: { embed: { a: 1, b: 2 } } });
    await coll.updateOne({ _id: 1 }, [{ $set: { "meta.embed": { b: 3 } } }]);
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, meta: { embed: { a: 1, b: 3 } } });
  });

  it("when an expression is evaluated at a dotted path, then it reads the whole document and a missing value adds nothing", async () => {
    const coll = t.db.collection<Numbered>("rootExpressions");
    await coll.insertOne({ _id: 7, a: [{ b: 1 }], x: 2 });
    const [doc] = await coll
      .aggregate([{ $set: { "a.id": "$_id", "a.none": "$nothing", x: "$$REMOVE" } }])
      .toArray();
    expect(doc).to.deep.equal({ _id: 7, a: [{ b: 1, id: 7 }] });
  });

  it("when a find projection computes a dotted field over an array, then each sub-document holds only it", async () => {
    const coll = t.db.collection<Numbered>("findProjection");
    await coll.insertOne({ _id: 1, a: [{ b: 1 }, 4, { b: 2 }], k: "x" });
    const found = await coll.findOne({ _id: 1 }, { projection: { "a.c": { $literal: 5 }, k: 1 } });
    expect(found).to.deep.equal({ _id: 1, a: [{ c: 5 }, { c: 5 }], k: "x" });
  });

  it("when a find projection computes a dotted field under a scalar or nothing, then it becomes a sub-document", async () => {
    const coll = t.db.collection<Numbered>("findProjectionScalar");
    await coll.insertMany([
      { _id: 1, a: 3 },
      { _id: 2, b: 1 },
    ]);
    const found = await coll
      .find({}, { projection: { _id: 1, "a.c": "$_id" } })
      .sort({ _id: 1 })
      .toArray();
    expect(found).to.deep.equal([
      { _id: 1, a: { c: 1 } },
      { _id: 2, a: { c: 2 } },
    ]);
  });

  it("when a find projection nests an inclusion in an object, then it is the dotted inclusion", async () => {
    const coll = t.db.collection<Numbered>("findNestedInclusion");
    await coll.insertOne({ _id: 1, a: { b: 1, c: 2 }, d: 3 });
    const found = await coll.findOne({ _id: 1 }, { projection: { a: { b: 1 } } });
    expect(found).to.deep.equal({ _id: 1, a: { b: 1 } });
  });
});
