import { expect } from "chai";
import { BSONRegExp, type Document } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * `$regexMatch`, `$regexFind` and `$regexFindAll` run PCRE2 on the server (expression_regex.cpp,
 * the manual's pages of the three operators), as the query's `$regex` does: the same pattern must
 * match the same strings in both places. `idx` counts code points; `$regexFindAll` resumes after a
 * match (one code point on after an empty one) and finds no empty match at the end of a non-empty
 * input; null or missing input or regex give false, null and [].
 */
describe("mongo-standin: regular expressions in aggregation expressions", () => {
  const t = useStandinDatabase("standin_regex_expressions");

  async function project(name: string, docs: Numbered[], fields: Document): Promise<Document[]> {
    const coll = t.db.collection<Numbered>(name);
    await coll.insertMany(docs);
    return coll.aggregate([{ $sort: { _id: 1 } }, { $project: { _id: 1, ...fields } }]).toArray();
  }

  it("when a pattern reads otherwise in JavaScript ($ before a final newline, . and \\s), then $regexMatch answers as the query's $regex does", async () => {
    const docs: Numbered[] = [
      { _id: 1, s: "abc\n" },
      { _id: 2, s: "a\rc" },
      { _id: 3, s: "a\u00a0c" },
      { _id: 4, s: "a c" },
    ];
    const out = await project("match", docs, {
      end: { $regexMatch: { input: "$s", regex: "abc$" } },
      dot: { $regexMatch: { input: "$s", regex: "^a.c$" } },
      space: { $regexMatch: { input: "$s", regex: /^a\sc$/ } },
    });
    expect(out).to.deep.equal([
      { _id: 1, end: true, dot: true, space: false },
      { _id: 2, end: false, dot: true, space: true },
      { _id: 3, end: false, dot: true, space: false },
      { _id: 4, end: false, dot: true, space: true },
    ]);
    const queried = await t.db
      .collection<Numbered>("match")
      .find({ s: { $regex: "^a.c$" } })
      .sort({ _id: 1 })
      .toArray();
    expect(queried.map((doc) => doc._id)).to.deep.equal([1, 2, 3, 4]);
  });

  it("when $regexFind and $regexFindAll meet characters beyond U+FFFF, then idx counts code points and . takes a whole one", async () => {
    const out = await project("find", [{ _id: 1, s: "\u{20BB7}x\u{20BB7}y" }], {
      first: { $regexFind: { input: "$s", regex: "(.)y" } },
      all: { $regexFindAll: { input: "$s", regex: "[xy]" } },
    });
    expect(out).to.deep.equal([
      {
        _id: 1,
        first: { match: "\u{20BB7}y", idx: 2, captures: ["\u{20BB7}"] },
        all: [
          { match: "x", idx: 1, captures: [] },
          { match: "y", idx: 3, captures: [] },
        ],
      },
    ]);
  });

  it("when $regexFindAll matches empty strings, then it moves one code point on and stops before the end", async () => {
    const out = await project(
      "empty",
      [
        { _id: 1, s: "ab" },
        { _id: 2, s: "" },
      ],
      {
        all: { $regexFindAll: { input: "$s", regex: "x*" } },
        anchored: { $regexFindAll: { input: "$s", regex: "^." } },
      },
    );
    expect(out).to.deep.equal([
      {
        _id: 1,
        all: [
          { match: "", idx: 0, captures: [] },
          { match: "", idx: 1, captures: [] },
        ],
        anchored: [{ match: "a", idx: 0, captures: [] }],
      },
      { _id: 2, all: [{ match: "", idx: 0, captures: [] }], anchored: [] },
    ]);
  });

  it("when the input or the regex is null or missing, then the answers are false, null and an empty array", async () => {
    const out = await project("nullish", [{ _id: 1, s: "abc" }, { _id: 2 }], {
      match: { $regexMatch: { input: "$s", regex: "$nothing" } },
      find: { $regexFind: { input: "$missing", regex: "a" } },
      all: { $regexFindAll: { input: "$s", regex: null } },
    });
    expect(out).to.deep.equal([
      { _id: 1, match: false, find: null, all: [] },
      { _id: 2, match: false, find: null, all: [] },
    ]);
  });

  it("when options are given, then they apply from the options field or the regex, never both", async () => {
    const coll = t.db.collection<Numbered>("options");
    await coll.insertOne({ _id: 1, s: "A\nb" });
    const [out] = await coll
      .aggregate([
        {
          $project: {
            _id: 0,
            caseless: { $regexMatch: { input: "$s", regex: "^a", options: "i" } },
            dotAll: { $regexMatch: { input: "$s", regex: "A.b", options: "s" } },
            bsonDotAll: { $regexMatch: { input: "$s", regex: new BSONRegExp("A.b", "s") } },
            lines: { $regexMatch: { input: "$s", regex: /^b$/m } },
          },
        },
      ])
      .toArray();
    expect(out).to.deep.equal({ caseless: true, dotAll: true, bsonDotAll: true, lines: true });
    const both = await rejection(
      coll
        .aggregate([{ $project: { m: { $regexMatch: { input: "$s", regex: /a/i, options: "m" } } } }])
        .toArray(),
    );
    expect(both.code).to.equal(51107);
  });

  it("when the input is not a string or the pattern does not compile, then the server's codes answer", async () => {
    const coll = t.db.collection<Numbered>("errors");
    await coll.insertOne({ _id: 1, n: 5, s: "abc" });
    const run = (expression: Document) =>
      rejection(coll.aggregate([{ $project: { r: expression } }]).toArray());
    expect((await run({ $regexMatch: { input: "$n", regex: "a" } })).code).to.equal(51104);
    expect((await run({ $regexFind: { input: "$s", regex: 5 } })).code).to.equal(51105);
    expect((await run({ $regexFindAll: { input: "$s", regex: "a", options: 1 } })).code).to.equal(51106);
    expect((await run({ $regexMatch: { input: "$s", regex: "a(b" } })).code).to.equal(51111);
    expect((await run({ $regexMatch: "abc" })).code).to.equal(51103);
  });

  it("when an expression's pattern uses syntax only PCRE knows, then the stand-in refuses it as it does in a query", async function () {
    skipOnRealMongo(this, "a real server runs PCRE; the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("pcreOnly");
    await coll.insertOne({ _id: 1, s: "abc" });
    const error = await rejection(
      coll.aggregate([{ $project: { r: { $regexMatch: { input: "$s", regex: "\\Aabc" } } } }]).toArray(),
    );
    expect(error.message).to.match(/mongo-standin does not support the PCRE escape \\A/);
  });
});
