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
});
