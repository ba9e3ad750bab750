import { expect } from "chai";
import { Binary, UUID } from "mongodb";
import { useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * Equality as the server decides it: BSON comparison, so a sub-document's field order matters; a
 * field holding an array equals an array operand as a whole, or through one of its elements; a
 * numeric path part both indexes an array and names a field of its elements; a stored regular
 * expression equals the same expression given to `$eq`.
 */
describe("mongo-standin: equality", () => {
  const t = useStandinDatabase("standin_equality");

  async function ids(name: string, filter: Record<string, unknown>): Promise<number[]> {
    const found = await t.db.collection<Numbered>(name).find(filter).sort({ _id: 1 }).toArray();
    return found.map((doc) => doc._id);
  }

  it("when $in lists an array, then a field equal to it, or holding it, matches and $nin excludes those", async () => {
    await t.db.collection<Numbered>("inArray").insertMany([
      { _id: 1, a: [1, 2] },
      { _id: 2, a: [[1, 2], 3] },
      { _id: 3, a: 1 },
      { _id: 4, a: [2, 1] },
    ]);
    expect(await ids("inArray", { a: { $in: [[1, 2]] } })).to.deep.equal([1, 2]);
    expect(await ids("inArray", { a: { $nin: [[1, 2]] } })).to.deep.equal([3, 4]);
    expect(await ids("inArray", { a: { $in: [[1, 2], 3] } })).to.deep.equal([1, 2]);
    expect(await ids("inArray", { a: { $ne: [1, 2] } })).to.deep.equal([3, 4]);
    expect(await ids("inArray", { a: [1, 2] })).to.deep.equal([1, 2]);
  });

  it("when a sub-document is compared by equality, then its field order matters", async () => {
    await t.db.collection<Numbered>("fieldOrder").insertMany([
      { _id: 1, a: { x: 1, y: 2 } },
      { _id: 2, a: { y: 2, x: 1 } },
      { _id: 3, a: [{ x: 1.0, y: 2 }] },
    ]);
    expect(await ids("fieldOrder", { a: { y: 2, x: 1 } })).to.deep.equal([2]);
    expect(await ids("fieldOrder", { a: { $eq: { x: 1, y: 2 } } })).to.deep.equal([1, 3]);
    expect(await ids("fieldOrder", { a: { $ne: { x: 1, y: 2 } } })).to.deep.equal([2]);
    expect(await ids("fieldOrder", { a: { $in: [{ y: 2, x: 1 }] } })).to.deep.equal([2]);
    expect(await ids("fieldOrder", { a: { $nin: [{ y: 2, x: 1 }] } })).to.deep.equal([1, 3]);
  });

  it("when a numeric path part meets an array, then equality reads the element and each element's field so named", async () => {
    await t.db.collection<Numbered>("digitFields").insertMany([
      { _id: 1, a: [{ "0": 5 }] },
      { _id: 2, a: [5] },
      { _id: 3, a: [{ "0": 4 }, 5] },
      { _id: 4, a: [4, { "0": 5 }] },
    ]);
    expect(await ids("digitFields", { "a.0": 5 })).to.deep.equal([1, 2, 4]);
    expect(await ids("digitFields", { "a.0": { $in: [5] } })).to.deep.equal([1, 2, 4]);
    expect(await ids("digitFields", { "a.0": { $ne: 5 } })).to.deep.equal([3]);
  });

  it("when binary data is compared, then its bytes and subtype decide, as for a UUID", async () => {
    const uuid = new UUID();
    await t.db.collection<Numbered>("binaries").insertMany([
      { _id: 1, b: new Binary(Buffer.from([0x80])) },
      { _id: 2, b: new Binary(Buffer.from([0xff])) },
      { _id: 3, b: new Binary(Buffer.from([0x80]), 5) },
      { _id: 4, b: uuid },
      { _id: 5, b: [new Binary(Buffer.from([0xff]))] },
    ]);
    expect(await ids("binaries", { b: new Binary(Buffer.from([0x80])) })).to.deep.equal([1]);
    expect(await ids("binaries", { b: new Binary(Buffer.from([0xff])) })).to.deep.equal([2, 5]);
    expect(await ids("binaries", { b: new Binary(Buffer.from([0x80]), 5) })).to.deep.equal([3]);
    expect(await ids("binaries", { b: { $in: [new Binary(Buffer.from([0x80]))] } })).to.deep.equal([1]);
    expect(await ids("binaries", { b: { $ne: new Binary(Buffer.from([0x80])) } })).to.deep.equal([
      2, 3, 4, 5,
    ]);
    expect(await ids("binaries", { b: uuid })).to.deep.equal([4]);
    expect(await ids("binaries", { b: new UUID() })).to.deep.equal([]);
  });

  it("when a stored regular expression is queried with the same expression, then it matches", async () => {
    await t.db.collection<Numbered>("storedRegex").insertMany([
      { _id: 1, r: /ab/i },
      { _id: 2, r: "ab" },
      { _id: 3, r: /ab/ },
    ]);
    expect(await ids("storedRegex", { r: { $eq: /ab/i } })).to.deep.equal([1]);
    expect(await ids("storedRegex", { r: { $ne: /ab/i } })).to.deep.equal([2, 3]);
    // A pattern matches strings, and a stored expression only when it is the same expression.
    expect(await ids("storedRegex", { r: /ab/i })).to.deep.equal([1, 2]);
    expect(await ids("storedRegex", { r: { $regex: "ab" } })).to.deep.equal([2, 3]);
  });
});
