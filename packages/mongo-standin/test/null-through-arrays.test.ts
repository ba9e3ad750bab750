import { expect } from "chai";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/**
 * Equality with null on a dotted path that crosses an array (`{"a.b": null}`), as MongoDB 7 and 8
 * answer it (the server's own null_query_semantics tests): a document matches when `a` is missing,
 * null or a scalar, when `a.b` is missing or null, or when `a` is an array holding at least one
 * sub-document whose `b` is missing or null. Scalars, nulls and empty arrays inside `a` add
 * nothing. `$ne`, `$in` and `$nin` follow as the negation and union of such equalities.
 */
describe("mongo-standin: null equality on paths through arrays", () => {
  const t = useStandinDatabase("standin_null_arrays");

  const DOCS = [
    { _id: "a_empty_subobject", a: {} },
    { _id: "a_null", a: null },
    { _id: "a_number", a: 4 },
    { _id: "a_subobject_b_not_null", a: { b: "hi" } },
    { _id: "a_subobject_b_null", a: { b: null } },
    { _id: "no_a" },
    { _id: "a_empty_array", a: [] },
    { _id: "a_object_array_b_null_and_missing", a: [{ b: null }, { b: null }, {}] },
    { _id: "a_object_array_no_b_nulls", a: [{ b: 1 }, { b: 3 }, { b: "string" }] },
    { _id: "a_object_array_some_b_nulls", a: [{ b: null }, { b: 3 }, { b: null }] },
    { _id: "a_object_array_some_b_missing", a: [{ b: 3 }, {}] },
    { _id: "a_value_array_all_nulls", a: [null, null] },
    { _id: "a_value_array_no_nulls", a: [1, "string", 4] },
    { _id: "a_value_array_with_null", a: [1, "string", null, 4] },
  ];
  const ALL = DOCS.map((d) => d._id).sort();
  const DOTTED_NULL = [
    "a_empty_subobject",
    "a_null",
    "a_number",
    "a_object_array_b_null_and_missing",
    "a_object_array_some_b_missing",
    "a_object_array_some_b_nulls",
    "a_subobject_b_null",
    "no_a",
  ];
  const except = (ids: string[]): string[] => ALL.filter((id) => !ids.includes(id));

  async function matching(filter: Record<string, unknown>, collection = "nulls"): Promise<string[]> {
    const docs = await t.db.collection<{ _id: string }>(collection).find(filter).toArray();
    return docs.map((d) => d._id).sort();
  }

  before(async () => {
    await t.db.collection<{ _id: string }>("nulls").insertMany(DOCS as never[]);
  });

  it("when {'a.b': null} crosses arrays, then documents with an element lacking b or holding b: null match", async () => {
    expect(await matching({ "a.b": null })).to.deep.equal(DOTTED_NULL);
    expect(await matching({ "a.b": { $eq: null } })).to.deep.equal(DOTTED_NULL);
  });

  it("when an index covers the path, then the same documents match", async () => {
    const indexed = t.db.collection<{ _id: string }>("nullsIndexed");
    await indexed.createIndex({ "a.b": 1 });
    await indexed.insertMany(DOCS as never[]);
    expect(await matching({ "a.b": null }, "nullsIndexed")).to.deep.equal(DOTTED_NULL);
    expect(await matching({ "a.b": { $in: [null, 75] } }, "nullsIndexed")).to.deep.equal(DOTTED_NULL);
  });

  it("when $ne, $in and $nin name null on such a path, then they are the negation and union of the equalities", async () => {
    expect(await matching({ "a.b": { $ne: null } })).to.deep.equal(except(DOTTED_NULL));
    expect(await matching({ "a.b": { $in: [null, 75] } })).to.deep.equal(DOTTED_NULL);
    expect(await matching({ "a.b": { $nin: [null, 75] } })).to.deep.equal(except(DOTTED_NULL));
    const nullOrThree = [...DOTTED_NULL, "a_object_array_no_b_nulls"].sort();
    expect(await matching({ "a.b": { $in: [null, 3] } })).to.deep.equal(nullOrThree);
    expect(await matching({ "a.b": { $nin: [null, 3] } })).to.deep.equal(except(nullOrThree));
    expect(await matching({ $or: [{ "a.b": null }, { "a.b": 75 }] })).to.deep.equal(DOTTED_NULL);
  });

  it("when the path is the array itself, then {a: null} matches only null elements, not empty arrays", async () => {
    const topNull = ["a_null", "a_value_array_all_nulls", "a_value_array_with_null", "no_a"];
    expect(await matching({ a: null })).to.deep.equal(topNull);
    expect(await matching({ a: { $ne: null } })).to.deep.equal(except(topNull));
  });

  it("when an element lacks the field or the path goes on past a scalar inside an element, then null matches", async () => {
    const coll = t.db.collection<{ _id: string }>("deeper");
    await coll.insertMany([
      { _id: "x-and-y", a: [{ x: 1 }, { y: 2 }] },
      { _id: "x-only", a: [{ x: 1 }] },
      { _id: "scalar-inside", a: [{ x: 4 }] },
      { _id: "leaf-array-null", a: [{ x: [1, null] }] },
      { _id: "leaf-array-empty", a: [{ x: [] }] },
    ] as never[]);
    expect(await matching({ "a.x": null }, "deeper")).to.deep.equal(["leaf-array-null", "x-and-y"]);
    // An array met midway adds only its sub-documents: [1, null] and [] add nothing for `z`.
    expect(await matching({ "a.x.z": null }, "deeper")).to.deep.equal(["scalar-inside", "x-and-y", "x-only"]);
  });

  it("when a numeric path part meets an array under a null equality, then the stand-in refuses", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection("numericParts");
    await coll.insertOne({ a: [{ b: 1 }, { c: 2 }] });
    const error = await rejection(coll.find({ "a.1.b": null }).toArray());
    expect(error.code).to.equal(2);
    expect(error.message).to.match(/mongo-standin does not support/);
  });
});
