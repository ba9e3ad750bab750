import { expect } from "chai";
import fc from "fast-check";
import { setOwn, wellFormed } from "../../../server/lib/well-formed.js";

/** The rule as first written: every plain object and array copied, every string and key made well-formed. */
function copiedRule(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(copiedRule);
  if (value && typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      setOwn(out, key.toWellFormed().replaceAll("\0", "\ufffd"), copiedRule(v));
    return out;
  }
  return value;
}

/** Any string, lone surrogates and NULs included; keys too. */
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("", "ok", "\0", "a\0b", "\ud800", "x\udc00", "\ud83d\ude00"),
);
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    anyString,
    fc.integer(),
    fc.constant(null),
    fc.date({ noInvalidDate: true }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(anyString, tie("value"), { maxKeys: 4 }),
  ),
})).value;
/** What a save's chain event holds (a plain literal, as answers.ts builds it): well-formed already. */
const saveData = fc
  .tuple(fc.nat(99), fc.uniqueArray(fc.constantFrom("A", "B", "C", "D"), { maxLength: 4 }), fc.nat())
  .map(([index, choice, seq]) => ({ index, choice, seq }));

describe("well-formed values for hashing and storing", () => {
  it("when any value is made well-formed, then the result equals the copying rule's", () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expect(wellFormed(value)).to.deep.equal(copiedRule(value));
      }),
      { numRuns: 1000 },
    );
  });

  it("when a value already is well-formed, then it comes back as the same value, not a copy", () => {
    fc.assert(
      fc.property(saveData, (data) => {
        expect(wellFormed(data)).to.equal(data);
      }),
    );
  });

  it("when a lone surrogate or a NUL key sits deep inside, then the result is a copy and the input is left as it was", () => {
    const input = { a: [{ ok: "x", bad: "\ud800" }], "k\0": 1 };
    const out = wellFormed(input);
    expect(out).to.not.equal(input);
    expect(out).to.deep.equal({ a: [{ ok: "x", bad: "\ufffd" }], "k\ufffd": 1 });
    expect(input.a[0]?.bad).to.equal("\ud800");
  });

  it("when an object has no prototype or a non-enumerable key, then it is copied as the rule says", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: "x" });
    expect(Object.getPrototypeOf(wellFormed(bare))).to.equal(Object.prototype);
    const hidden = Object.defineProperty({ a: "x" }, "h", { value: 1, enumerable: false });
    expect(Object.getOwnPropertyNames(wellFormed(hidden))).to.deep.equal(["a"]);
  });
});
