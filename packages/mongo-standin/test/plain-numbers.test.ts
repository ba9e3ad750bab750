import { expect } from "chai";
import { Double, Int32, Long, ObjectId } from "bson";
import { withPlainNumbers } from "../src/storage/values.js";

/**
 * The store holds numbers as the codec decodes them (storage/values.ts, withPlainNumbers): a
 * computed `Double` or `Int32` becomes its number, anywhere in a document; everything else, a
 * `Long` too, stays as it is, and a document with nothing to convert is the document itself (the
 * write path calls this on every result, so plain data must cost no copy).
 */
describe("mongo-standin: stored numbers are plain", () => {
  it("when a document holds no Double or Int32, then it and each of its parts come back as they are", () => {
    const id = new ObjectId();
    const doc = {
      _id: id,
      n: NaN,
      z: -0,
      big: Long.fromString("9007199254740993"),
      a: [1, { b: "x" }],
      o: { c: null },
    };
    const out = withPlainNumbers(doc);
    expect(out).to.equal(doc);
    expect(out.a).to.equal(doc.a);
    expect(out.o).to.equal(doc.o);
    const list = [1, [2, 3], { d: 4 }];
    expect(withPlainNumbers(list)).to.equal(list);
  });

  it("when Doubles and Int32s sit anywhere in a document, then a copy holds their numbers in field order, sharing what did not change", () => {
    const kept = { c: [1, 2] };
    const doc: Record<string, unknown> = {
      _id: 1,
      d: new Double(2),
      kept,
      a: [new Int32(3), "x", { e: new Double(0.5) }],
      last: true,
    };
    Object.defineProperty(doc, "__proto__", {
      value: { f: new Double(1) },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const out = withPlainNumbers(doc);
    expect(out).to.not.equal(doc);
    expect(Object.keys(out)).to.deep.equal(["_id", "d", "kept", "a", "last", "__proto__"]);
    expect(out.kept).to.equal(kept);
    expect(Object.entries(out)).to.deep.equal([
      ["_id", 1],
      ["d", 2],
      ["kept", kept],
      ["a", [3, "x", { e: 0.5 }]],
      ["last", true],
      ["__proto__", { f: 1 }],
    ]);
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    // The input is left as it was.
    expect(doc.d).to.be.instanceOf(Double);
    expect((doc.a as unknown[])[0]).to.be.instanceOf(Int32);
    expect(withPlainNumbers(new Double(7))).to.equal(7);
  });
});
