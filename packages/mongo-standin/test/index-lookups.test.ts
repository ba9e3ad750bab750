import { expect } from "chai";
import { Collection } from "../src/storage/collection.js";
import { valueKey } from "../src/storage/values.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * Equality lookups on indexed fields must come from the index, not a collection scan. This is
 * the stand-in's own storage, checked directly (there is nothing to compare on a real server).
 */
describe("mongo-standin: index-backed equality lookups", () => {
  function aCollection(): Collection {
    const collection = new Collection("app.people");
    collection.addIndex({ v: 2, key: { email: 1 }, name: "email_1", unique: true });
    collection.addIndex({ v: 2, key: { org: 1, role: 1 }, name: "org_1_role_1" });
    collection.addIndex({ v: 2, key: { tags: 1 }, name: "tags_1" });
    const changes = Array.from({ length: 500 }, (_, i) => {
      const doc = {
        _id: `p${i}`,
        email: `u${i}@x`,
        org: `o${i % 10}`,
        role: i % 2 === 0 ? "admin" : "user",
        tags: [`t${i % 7}`, "all"],
      };
      return { id: valueKey(doc._id), doc };
    });
    collection.apply(changes, 1, null);
    return collection;
  }

  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's storage directly");
  });

  it("when a filter pins a single-field index, then the candidates are exactly the matching ids", () => {
    const ids = aCollection().candidates({ email: "u42@x" });
    expect([...(ids ?? [])]).to.deep.equal([valueKey("p42")]);
  });

  it("when a filter pins every field of a compound index, or uses $in on _id, then the index answers", () => {
    const collection = aCollection();
    expect(collection.candidates({ org: "o3", role: "user" })?.size).to.equal(50);
    expect(collection.candidates({ org: "o4", role: "user" })?.size).to.equal(0);
    expect([...(collection.candidates({ _id: { $in: ["p1", "p2", "nope"] } }) ?? [])].sort()).to.deep.equal([
      valueKey("p1"),
      valueKey("p2"),
    ]);
  });

  it("when a filter pins a multikey index, then each array element is found", () => {
    expect(aCollection().candidates({ tags: "t3" })?.size).to.equal(71);
  });

  it("when a filter pins only the leading field of a compound index, then the index prefix answers", () => {
    const collection = aCollection();
    expect(collection.plan({ org: "o3" })?.index.name).to.equal("org_1_role_1");
    expect(collection.candidates({ org: "o3" })?.size).to.equal(50);
    expect(collection.candidates({ org: { $in: ["o3", "o4"] }, role: { $ne: "admin" } })?.size).to.equal(100);
  });

  it("when no index covers the filter, then there are no candidates and the caller scans", () => {
    expect(aCollection().candidates({ role: "admin" })).to.equal(null);
    expect(aCollection().candidates({ email: { $regex: "^u1" } })).to.equal(null);
  });

  it("when every clause of a top-level $or pins an index, then the candidates are the union of the clauses' reads", () => {
    const collection = aCollection();
    const ids = collection.candidates({
      $or: [{ email: { $in: ["u1@x", "u2@x"] } }, { org: "o3", role: "user" }],
    });
    expect(ids?.size).to.equal(52);
    expect(
      collection.plans({ $or: [{ email: "u1@x" }, { tags: "t1" }] })?.map((p) => p.index.name),
    ).to.deep.equal(["email_1", "tags_1"]);
  });

  it("when one clause of a top-level $or has no index, then there are no candidates and the caller scans", () => {
    expect(aCollection().candidates({ $or: [{ email: "u1@x" }, { role: "admin" }] })).to.equal(null);
    expect(aCollection().candidates({ $or: [] })).to.equal(null);
  });

  describe("a date range after an equality prefix", () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));
    /** Attempts as the deadline sweeper reads them, with a deadline of another kind or none. */
    function attempts(): Collection {
      const collection = new Collection("app.attempts");
      collection.addIndex({ v: 2, key: { status: 1, deadline: 1 }, name: "status_1_deadline_1" });
      const docs: Array<Record<string, unknown>> = Array.from({ length: 60 }, (_, i) => ({
        _id: `a${i}`,
        status: i % 3 === 0 ? "submitted" : "in_progress",
        deadline: at(i),
      }));
      docs.push(
        { _id: "number", status: "in_progress", deadline: 5 },
        { _id: "none", status: "in_progress" },
        { _id: "both", status: "in_progress", deadline: [at(59), at(1)] },
      );
      collection.apply(
        docs.map((doc) => ({ id: valueKey(doc._id), doc })),
        1,
        null,
      );
      return collection;
    }
    const ids = (found: Set<string> | null) => [...(found ?? [])].sort();

    it("when a filter pins the leading field and bounds the next by dates, then only dates in the range and values of other kinds are read", () => {
      const collection = attempts();
      const filter = { status: "in_progress", deadline: { $lt: at(10) } };
      expect(collection.plan(filter)?.range).to.deep.equal([{ op: "$lt", ms: at(10).getTime() }]);
      // In progress before minute 10: 1, 2, 4, 5, 7, 8; `both` holds minute 1; `number` and `none`
      // are not dates, so the filter decides them, not the index.
      expect(ids(collection.candidates(filter))).to.deep.equal(
        ["a1", "a2", "a4", "a5", "a7", "a8", "both", "none", "number"].map(valueKey).sort(),
      );
      expect(
        ids(collection.candidates({ status: "in_progress", deadline: { $gte: at(58), $lte: at(59) } })),
      ).to.deep.equal(["a58", "a59", "both", "none", "number"].map(valueKey).sort());
      expect(ids(collection.candidates({ status: "submitted", deadline: { $gt: at(55) } }))).to.deep.equal([
        valueKey("a57"),
      ]);
    });

    it("when documents are added, moved and removed after a range read, then later range reads follow them", () => {
      const collection = attempts();
      const filter = { status: "in_progress", deadline: { $lt: at(3) } };
      expect(ids(collection.candidates(filter))).to.deep.equal(
        ["a1", "a2", "both", "none", "number"].map(valueKey).sort(),
      );
      collection.apply(
        [
          { id: valueKey("a1"), doc: { _id: "a1", status: "submitted", deadline: at(1) } },
          { id: valueKey("a2"), doc: null },
          { id: valueKey("late"), doc: { _id: "late", status: "in_progress", deadline: at(0) } },
          { id: valueKey("both"), doc: { _id: "both", status: "in_progress", deadline: at(50) } },
        ],
        2,
        null,
      );
      expect(ids(collection.candidates(filter))).to.deep.equal(
        ["late", "none", "number"].map(valueKey).sort(),
      );
      expect(ids(collection.candidates({ status: "submitted", deadline: { $lte: at(1) } }))).to.deep.equal(
        ["a0", "a1"].map(valueKey).sort(),
      );
    });

    it("when the bound is not a valid date, or the condition is not only date bounds, then the equality prefix alone is read", () => {
      const collection = attempts();
      for (const deadline of [{ $lt: 5 }, { $lt: new Date(Number.NaN) }, { $lt: at(3), $ne: null }, {}]) {
        const plan = collection.plan({ status: "in_progress", deadline });
        expect(plan?.depth, JSON.stringify(deadline)).to.equal(1);
        expect(plan?.range, JSON.stringify(deadline)).to.equal(undefined);
      }
    });
  });
});
