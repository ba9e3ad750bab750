import { expect } from "chai";
import { Long, type Document } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/** How a value came back with `promoteLongs: false`: a 64-bit integer as `long:…`, else the value. */
function typed(doc: Document | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(doc ?? {}).map(([key, value]) => [
      key,
      value instanceof Long ? `long:${value.toString()}` : value,
    ]),
  );
}

/**
 * The difference of two dates is a 64-bit integer on the server: `$subtract` of two dates gives
 * their milliseconds apart as a long (evaluateSubtract: `Value(lhs.getDate() - rhs.getDate())`,
 * a long long), and `$dateDiff` a long count of the unit's boundaries crossed (manual: "returns
 * the difference … as a long"; null when startDate or endDate is null or missing). A date and a
 * long then add and subtract to a date, and `$dateAdd` takes a long amount.
 */
describe("mongo-standin: date differences", () => {
  const t = useStandinDatabase("standin_date_differences");
  const start = new Date("2026-03-01T00:00:00.250Z");
  const end = new Date("2026-03-04T12:00:00.750Z");
  const ms = end.getTime() - start.getTime();

  it("when $subtract takes two dates, then it answers their milliseconds apart as a long, which sorts and adds to a date", async () => {
    const coll = t.db.collection<Numbered>("subtractDates");
    await coll.insertMany([
      { _id: 1, start, end },
      { _id: 2, start: end, end: new Date(end.getTime() + 5) },
    ]);
    const rows = await coll
      .aggregate(
        [
          { $project: { _id: 1, start: 1, end: 1, ms: { $subtract: ["$end", "$start"] } } },
          { $sort: { ms: 1 } },
          {
            $project: {
              _id: 1,
              ms: 1,
              type: { $type: "$ms" },
              back: { $subtract: ["$end", "$ms"] },
              forth: { $add: ["$start", "$ms"] },
            },
          },
        ],
        { promoteLongs: false },
      )
      .toArray();
    expect(rows.map(typed)).to.deep.equal([
      { _id: 2, ms: "long:5", type: "long", back: end, forth: new Date(end.getTime() + 5) },
      { _id: 1, ms: `long:${ms}`, type: "long", back: start, forth: end },
    ]);
  });

  it("when $dateDiff counts units between two dates, then it answers a long, null for a missing date, and $dateAdd takes it back", async () => {
    const coll = t.db.collection<Numbered>("dateDiff");
    await coll.insertOne({ _id: 1, start, end });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              days: { $dateDiff: { startDate: "$start", endDate: "$end", unit: "day" } },
              ms: { $dateDiff: { startDate: "$start", endDate: "$end", unit: "millisecond" } },
              // Half a second past a whole number of seconds: 302400 boundaries crossed, not 302401.
              seconds: { $dateDiff: { startDate: "$start", endDate: "$end", unit: "second" } },
              missing: { $dateDiff: { startDate: "$nothing", endDate: "$end", unit: "day" } },
              nullEnd: { $dateDiff: { startDate: "$start", endDate: null, unit: "day" } },
              start: 1,
            },
          },
          {
            $project: {
              days: 1,
              ms: 1,
              seconds: 1,
              missing: 1,
              nullEnd: 1,
              type: { $type: "$days" },
              later: { $dateAdd: { startDate: "$start", unit: "day", amount: "$days" } },
            },
          },
        ],
        { promoteLongs: false },
      )
      .toArray();
    expect(typed(row)).to.deep.equal({
      days: "long:3",
      ms: `long:${ms}`,
      seconds: "long:302400",
      missing: null,
      nullEnd: null,
      type: "long",
      later: new Date("2026-03-04T00:00:00.250Z"),
    });
  });

  it("when $dateDiff takes a non-date or a unit the stand-in does not know, then it refuses rather than answer 0 or an invalid date", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("dateDiffRefusals");
    await coll.insertOne({ _id: 1, start, text: "2026-03-01" });
    const messages: string[] = [];
    for (const dateDiff of [
      { startDate: "$text", endDate: "$start", unit: "day" },
      { startDate: "$start", endDate: "$start", unit: "fortnight" },
    ]) {
      const error = await rejection(coll.aggregate([{ $project: { d: { $dateDiff: dateDiff } } }]).toArray());
      messages.push(`${error.code}:${error.message.replace(/;.*$/, "")}`);
    }
    expect(messages).to.deep.equal([
      "2:mongo-standin does not support $dateDiff with a string startDate",
      '2:mongo-standin does not support $dateDiff in the unit "fortnight"',
    ]);
  });
});
