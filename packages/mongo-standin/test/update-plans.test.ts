import { expect } from "chai";
import { EJSON } from "bson";
import { applyUpdate } from "../src/query.js";
import { random } from "./seeded-random.js";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

/**
 * An update's steps are planned once per shape (its operators and paths) and reused: each update
 * of that shape must still apply its own values and meet its own errors.
 */
describe("mongo-standin: update plans per shape", () => {
  /** The plain rule for the operators used below, on a deep copy (numbers only, paths exist). */
  function reference(doc: Record<string, unknown>, update: Record<string, Record<string, number>>) {
    const copy = structuredClone(doc);
    const slot = (path: string): [Record<string, unknown> | unknown[], string] => {
      const parts = path.split(".");
      let container = copy as Record<string, unknown>;
      for (const part of parts.slice(0, -1)) container = container[part] as Record<string, unknown>;
      return [container, parts[parts.length - 1] ?? ""];
    };
    // Field-name order is the order the server applies them in; these paths never overlap.
    for (const [op, fields] of Object.entries(update)) {
      for (const [path, value] of Object.entries(fields)) {
        const [container, key] = slot(path);
        const record = container as Record<string, unknown>;
        const current = record[key] as number | undefined;
        if (op === "$set") record[key] = value;
        else if (op === "$inc") record[key] = (current ?? 0) + value;
        else if (op === "$max") record[key] = current === undefined || value > current ? value : current;
        else if (op === "$min") record[key] = current === undefined || value < current ? value : current;
        else if (op === "$unset") delete record[key];
        else if (op === "$push") record[key] = [...(current as unknown as number[]), value];
      }
    }
    return copy;
  }

  it("when updates of recurring shapes apply with other values, then each result is the plain rule's (property)", () => {
    const paths = ["n", "answers.0.seq", "answers.1.seq", "answers.1.choice", "meta.k"];
    const ops = ["$set", "$inc", "$max", "$min", "$unset"];
    let applied = 0;
    for (let seed = 1; seed <= 600; seed += 1) {
      const next = random(seed);
      const int = (): number => Math.floor(next() * 7) - 3;
      const doc = {
        _id: "d",
        n: int(),
        answers: [{ seq: int(), choice: int() }, { seq: int(), choice: int() }],
        meta: { k: int() },
        log: [int()],
      };
      // Few operators and paths, so the same shapes come back with new values.
      const update: Record<string, Record<string, number>> = {};
      for (const path of paths) {
        if (next() < 0.6) continue;
        const op = ops[Math.floor(next() * ops.length)] ?? "$set";
        (update[op] ??= {})[path] = int();
      }
      if (next() < 0.5) update.$push = { log: int() };
      if (Object.keys(update).length === 0) continue;
      const before = EJSON.stringify(doc);
      const after = applyUpdate(doc, { update, filter: {}, arrayFilters: undefined }, false);
      expect(EJSON.stringify(doc), `seed ${seed}`).to.equal(before);
      expect(after, `seed ${seed}: ${JSON.stringify(update)}`).to.deep.equal(reference(doc, update));
      applied += 1;
    }
    expect(applied).to.be.greaterThan(400);
  });

  it("when an update of a planned shape carries a value its operator refuses, then it is refused and the document untouched", () => {
    const doc = { _id: "d", n: 1, tags: ["a"] };
    expect(applyUpdate(doc, { update: { $inc: { n: 2 } }, filter: {} }, false).n).to.equal(3);
    expect(() => applyUpdate(doc, { update: { $inc: { n: "x" } }, filter: {} }, false)).to.throw(
      /Cannot increment with non-numeric argument/,
    );
    expect(applyUpdate(doc, { update: { $push: { tags: "b" } }, filter: {} }, false).tags).to.deep.equal([
      "a",
      "b",
    ]);
    expect(() =>
      applyUpdate(doc, { update: { $push: { tags: { $each: "b" } } }, filter: {} }, false),
    ).to.throw(/\$each/);
    expect(doc).to.deep.equal({ _id: "d", n: 1, tags: ["a"] });
  });

  describe("through the server", () => {
    const fixture = useStandinDatabase("update_plans");

    it("when a shape's paths conflict, then every update of it is refused, not only the first", async () => {
      const coll = fixture.db.collection("plans");
      await coll.insertOne({ _id: "x" as never, a: { b: 1 } });
      for (const value of [1, 2]) {
        const error = await rejection(coll.updateOne({ _id: "x" as never }, { $set: { a: value, "a.b": value } }));
        expect(error.code, `value ${value}`).to.equal(40);
      }
      expect(await coll.findOne({ _id: "x" as never })).to.deep.equal({ _id: "x", a: { b: 1 } });
    });
  });
});
