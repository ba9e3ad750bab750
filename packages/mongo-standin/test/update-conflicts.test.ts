import { expect } from "chai";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * Update paths the server resolves against the document: two positional paths that reach the same
 * element conflict (40 "Update created a conflict at …", the server's merge of their update
 * nodes), and a field cannot be created inside a null array element (28 PathNotViable), while an
 * index past the end is padded.
 */
describe("mongo-standin: update paths resolved against the document", () => {
  const t = useStandinDatabase("standin_update_conflicts");

  async function updated(
    name: string,
    doc: Numbered,
    update: Record<string, unknown>,
    arrayFilters?: Record<string, unknown>[],
  ): Promise<unknown> {
    const coll = t.db.collection<Numbered>(name);
    await coll.deleteMany({});
    await coll.insertOne(doc);
    await coll.updateOne({ _id: doc._id }, update, arrayFilters ? { arrayFilters } : {});
    return coll.findOne({ _id: doc._id });
  }

  async function conflict(
    name: string,
    doc: Numbered,
    update: Record<string, unknown>,
    arrayFilters: Record<string, unknown>[],
  ): Promise<string> {
    const error = await rejection(updated(name, doc, update, arrayFilters));
    expect(error.code, error.message).to.equal(40);
    expect(await t.db.collection<Numbered>(name).findOne({ _id: doc._id })).to.deep.equal(doc);
    return error.message;
  }

  it("when two array filters reach the same element, then the update fails with 40 and changes nothing", async () => {
    const doc = { _id: 1, a: [0, 1] };
    expect(
      await conflict("twoFilters", doc, { $set: { "a.$[i]": 2, "a.$[j]": 3 } }, [{ i: 0 }, { j: 0 }]),
    ).to.match(/Update created a conflict at 'a\.0'/);
    expect(await conflict("twoFilters", doc, { $set: { "a.$[]": 2, "a.$[j]": 3 } }, [{ j: 1 }])).to.match(
      /Update created a conflict at 'a\.1'/,
    );
    const objects = { _id: 2, a: [{ x: 0 }] };
    expect(
      await conflict("twoFilters", objects, { $set: { "a.$[i]": 5, "a.$[j].x": 1 } }, [
        { "i.x": 0 },
        { "j.x": 0 },
      ]),
    ).to.match(/Update created a conflict at 'a\.0'/);
  });

  it("when two array filters reach different elements or different fields of one, then both apply", async () => {
    expect(
      await updated("apart", { _id: 1, a: [0, 1] }, { $set: { "a.$[i]": 2, "a.$[j]": 3 } }, [
        { i: 0 },
        { j: 1 },
      ]),
    ).to.deep.equal({
      _id: 1,
      a: [2, 3],
    });
    expect(
      await updated("apart", { _id: 2, a: [{ x: 0 }] }, { $set: { "a.$[i].y": 1, "a.$[j].z": 2 } }, [
        { "i.x": 0 },
        { "j.x": 0 },
      ]),
    ).to.deep.equal({ _id: 2, a: [{ x: 0, y: 1, z: 2 }] });
  });

  it("when a field is set inside a null array element, then 28 PathNotViable; past the end, the array is padded", async () => {
    const error = await rejection(updated("nullElement", { _id: 1, a: [0, null] }, { $set: { "a.1.b": 5 } }));
    expect(error.code).to.equal(28);
    expect(error.message).to.match(/Cannot create field 'b' in element \{1: null\}/);
    expect(await t.db.collection<Numbered>("nullElement").findOne({ _id: 1 })).to.deep.equal({
      _id: 1,
      a: [0, null],
    });
    expect(await updated("nullElement", { _id: 2, a: [0] }, { $set: { "a.2.b": 5 } })).to.deep.equal({
      _id: 2,
      a: [0, null, { b: 5 }],
    });
  });
});
