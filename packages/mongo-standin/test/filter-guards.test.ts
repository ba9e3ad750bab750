import { expect } from "chai";
import { ObjectId } from "bson";
import { crossesNestedArray } from "../src/filter-guards.js";
import { isPlainObject } from "../src/storage/values.js";
import { random } from "./seeded-random.js";

/**
 * The plain statement of MongoDB's rule, written for reading rather than speed: walking a dotted
 * path, a field-name part met on an array looks into each element once; an element that is itself
 * an array is an array of arrays (refused), unless the part is a number, which also indexes the
 * outer array (its elements are then values like any other).
 */
function reference(value: unknown, parts: string[], i: number): boolean {
  if (i === parts.length) return false;
  const part = parts[i] ?? "";
  if (Array.isArray(value)) {
    const index = /^\d+$/.test(part);
    if (index && reference(value[Number(part)], parts, i + 1)) return true;
    for (const item of value as unknown[]) {
      if (Array.isArray(item)) {
        if (index) continue;
        return true;
      }
      if (isPlainObject(item) && reference(item[part], parts, i + 1)) return true;
    }
    return false;
  }
  if (!isPlainObject(value)) return false;
  return reference(value[part], parts, i + 1);
}

// "01" is all digits but not the index 1: an element's field "01" is not its field "1".
const KEYS = ["a", "b", "0", "1", "01"];

function value(rnd: () => number, depth: number): unknown {
  const kind = Math.floor(rnd() * (depth > 3 ? 5 : 8));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return Math.floor(rnd() * 3);
    case 2:
      return "s";
    case 3:
      return new ObjectId("65a000000000000000000001");
    case 4:
      return new Date(0);
    case 5:
    case 6: {
      const doc: Record<string, unknown> = {};
      for (const key of KEYS) if (rnd() < 0.5) doc[key] = value(rnd, depth + 1);
      return doc;
    }
    default:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => value(rnd, depth + 1));
  }
}

describe("filter guards: the array-of-arrays walk", () => {
  it("when random documents are walked along random dotted paths, then the walk agrees with the plain statement of MongoDB's rule", () => {
    let refused = 0;
    for (let seed = 1; seed <= 6000; seed += 1) {
      const rnd = random(seed);
      const doc = { a: value(rnd, 0), b: value(rnd, 0) };
      const parts = Array.from(
        { length: 2 + Math.floor(rnd() * 3) },
        () => KEYS[Math.floor(rnd() * KEYS.length)] ?? "a",
      );
      const expected = reference(doc, parts, 0);
      const indexes = parts.map((part) => /^\d+$/.test(part));
      expect(crossesNestedArray(doc, parts, indexes, 0), `seed ${seed}, path ${parts.join(".")}`).to.equal(
        expected,
      );
      if (expected) refused += 1;
    }
    // Both answers occur, so agreement is not agreement on "never".
    expect(refused).to.be.greaterThan(15);
  });

  it("when an attempt's filter names answers.N.seq over a hundred answers, then the walk finds no array of arrays, and finds the one planted", () => {
    const answers = Array.from({ length: 100 }, () => ({
      choice: ["A"],
      seq: 1,
      flagged: false,
      flagSeq: 0,
    }));
    const parts = ["answers", "57", "seq"];
    const indexes = [false, true, false];
    expect(crossesNestedArray({ answers }, parts, indexes, 0)).to.equal(false);
    // An element holding field "57" is looked into as well, as MongoDB does for a numeric part.
    const planted = [...answers, { 57: [[{ seq: 1 }]] }];
    expect(crossesNestedArray({ answers: planted }, parts, indexes, 0)).to.equal(true);
    // Only that exact name: an element's field "57" is not its field "057".
    const padded = ["answers", "057", "seq"];
    expect(crossesNestedArray({ answers: planted }, padded, indexes, 0)).to.equal(false);
    expect(crossesNestedArray({ answers: [{ "057": [[{ seq: 1 }]] }] }, padded, indexes, 0)).to.equal(true);
  });
});
