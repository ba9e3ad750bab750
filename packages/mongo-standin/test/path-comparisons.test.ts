import { expect } from "chai";
import { skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/**
 * Range comparisons on paths through arrays, as a save's filter writes them (`answers.31.seq`): a
 * numeric part indexes the array and also names a field of each element; a terminal array is
 * compared whole and element by element. These pin the stand-in's answers as they were before its
 * path walk stopped building arrays per element (issue 17); they were not checked against MongoDB
 * here, so a real server skips the missing-field case, where the server's null rules are subtle.
 */
describe("mongo-standin: range comparisons on paths through arrays", () => {
  const t = useStandinDatabase("standin_path_comparisons");

  async function matching(filter: Record<string, unknown>): Promise<string[]> {
    const docs = await t.db
      .collection<{ _id: string }>("paths")
      .find(filter, { projection: { _id: 1 } })
      .toArray();
    return docs.map((d) => d._id).sort();
  }

  before(async () => {
    await t.db
      .collection<{ _id: string }>("paths")
      .insertMany([
        { _id: "second-low", answers: [{ seq: 5 }, { seq: 1 }] },
        { _id: "second-high", answers: [{ seq: 1 }, { seq: 5 }] },
        { _id: "field-named-1", answers: [{ 1: { seq: 2 } }, { seq: 9 }] },
        { _id: "terminal-array", answers: [{ seq: 9 }, { seq: [7, 2] }] },
        { _id: "short", answers: [{ seq: 1 }] },
        { _id: "scalars", answers: [1, 2, 3] },
        { _id: "none" },
      ] as never[]);
  });

  it("when a numeric part follows an array, then it matches by position and by an element's field of that name", async () => {
    expect(await matching({ "answers.1.seq": { $lt: 3 } })).to.deep.equal([
      "field-named-1",
      "second-low",
      "terminal-array",
    ]);
    expect(await matching({ "answers.1.seq": { $gte: 5 } })).to.deep.equal([
      "field-named-1",
      "second-high",
      "terminal-array",
    ]);
  });

  it("when the path ends at a missing field, then $gte null counts it as missing and $lt null matches nothing", async function () {
    skipOnRealMongo(this, "the stand-in's null rules on array paths, not checked against MongoDB");
    expect(await matching({ "answers.1.seq": { $gte: null } })).to.deep.equal(["none", "scalars", "short"]);
    expect(await matching({ "answers.1.seq": { $lt: null } })).to.deep.equal([]);
    // Ending at the numeric part: elements without a field "1" count as missing there.
    expect(await matching({ "answers.1": { $gte: null } })).to.deep.equal([
      "field-named-1",
      "none",
      "second-high",
      "second-low",
      "short",
      "terminal-array",
    ]);
  });

  it("when the path ends at an array element, then the element itself is compared", async () => {
    expect(await matching({ "answers.1": { $gte: 2 } })).to.deep.equal(["scalars"]);
  });
});
