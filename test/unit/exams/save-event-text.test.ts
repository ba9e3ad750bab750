import { hash } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import { canonical, CHAIN_GENESIS, isoText, nextEvent, savePlan } from "../../../server/exams/index.js";
import { anAttemptDocument } from "../../helpers/attempt-builders.js";

/**
 * A save's chain event is written on a fast path (issue 17): its data's canonical text is made by
 * the code that builds the data, not found by walking it. These tests hold that path to the
 * general rule: the same stored data, the same canonical text, the same hash, for every kind of
 * save and flag event and for values at and past the contract's edges.
 */

const OFFERED = ["A", "B", "C", "D", "T", "F"] as const;

/**
 * An attempt whose `chainN` is `n`, with nothing received (every seq is new to it); its events
 * counted as a proctor's, so a long chain leaves the candidate's save budget unspent.
 */
const attemptAt = (n: number) => anAttemptDocument({ chainN: n, controlEvents: n, seen: [], seenUpTo: 0 });

/** A copy of event data made of plain literals: no fast text is known for it, so the general rule writes it. */
function plainCopy(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    const value = data[key];
    out[key] = Array.isArray(value) ? value.slice() : value;
  }
  return out;
}

/** What the chain stores and hashes for the event, by the general rule alone. */
function generalEvent(
  head: { n: number; hash: string },
  type: "answer" | "flag",
  data: Record<string, unknown>,
  at: Date,
) {
  const general = nextEvent(head, type, plainCopy(data), at);
  const text = canonical({ at: isoText(at), data: general.data, n: general.n, type });
  return { general, text };
}

/** The save's event through `savePlan` and `nextEvent`, checked against the general rule. */
function expectSameAsGeneral(
  input: { seq: number; index: number } & ({ choice: string[] } | { flagged: boolean }),
  chainN: number,
  at: Date,
): void {
  const doc = attemptAt(chainN);
  const plan = savePlan(doc, input, at, 30);
  const head = { n: chainN, hash: chainN === 0 ? CHAIN_GENESIS : "f".repeat(64) };
  const fast = nextEvent(head, plan.event.type as "answer" | "flag", plan.event.data, at);
  const { general, text } = generalEvent(head, plan.event.type as "answer" | "flag", plan.event.data, at);
  expect(canonical(fast.data)).to.equal(canonical(general.data));
  expect(fast.data).to.deep.equal(general.data);
  expect(fast.hash).to.equal(general.hash);
  expect(fast.hash).to.equal(hash("sha256", `${head.hash}\n${text}`, "hex"));
  expect(fast.n).to.equal(general.n);
  expect(fast.prevHash).to.equal(general.prevHash);
}

const edgeDates = [
  new Date(0),
  new Date(1),
  new Date(Date.UTC(2026, 11, 7, 23, 59, 59, 999)),
  new Date(Date.UTC(2026, 11, 8, 0, 0, 0, 5)),
  new Date(Date.UTC(2026, 11, 8, 0, 0, 0, 50)),
  new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
  new Date(Date.UTC(10_000, 0, 1)),
  new Date(-1),
  new Date(Date.UTC(-5, 0, 1)),
];
const anyDate = fc.oneof(
  fc.constantFrom(...edgeDates),
  fc.date({
    min: new Date(Date.UTC(-2000, 0, 1)),
    max: new Date(Date.UTC(12_000, 0, 1)),
    noInvalidDate: true,
  }),
);
const chainN = fc.oneof(fc.constantFrom(0, 1, 19_999, Number.MAX_SAFE_INTEGER - 1), fc.nat(50_000));
const index = fc.oneof(fc.constantFrom(0, 1, 499), fc.integer({ min: 0, max: 499 }));
const seq = fc.oneof(fc.constantFrom(1, 2, 999_999, 1_000_000), fc.integer({ min: 1, max: 1_000_000 }));
const choice = fc.array(fc.constantFrom(...OFFERED), { maxLength: 4 });

describe("the canonical text of save and flag events", () => {
  it("when answers within the contract are saved, then their events store, write and hash as the general rule does", () => {
    fc.assert(
      fc.property(choice, index, seq, chainN, anyDate, (c, i, s, n, at) =>
        expectSameAsGeneral({ seq: s, index: i, choice: c }, n, at),
      ),
      { numRuns: 3_000 },
    );
  });

  it("when flags within the contract are saved, then their events store, write and hash as the general rule does", () => {
    fc.assert(
      fc.property(fc.boolean(), index, seq, chainN, anyDate, (f, i, s, n, at) =>
        expectSameAsGeneral({ seq: s, index: i, flagged: f }, n, at),
      ),
      { numRuns: 3_000 },
    );
  });

  it("when every answer of up to four offered keys is saved, then each event is the general rule's", () => {
    const at = new Date(Date.UTC(2026, 11, 8, 0, 30, 0, 7));
    const all: string[][] = [[]];
    for (let size = 0; size < 4; size++)
      for (const prefix of all.filter((c) => c.length === size))
        for (const k of OFFERED) all.push([...prefix, k]);
    for (const c of all) expectSameAsGeneral({ seq: 3, index: 2, choice: c }, 5, at);
    expect(all.length).to.equal(1 + 6 + 36 + 216 + 1_296);
  });

  it("when a save's values lie past the contract (numbers, strings, lone surrogates), then its event is still the general rule's", () => {
    const at = new Date(Date.UTC(2026, 11, 8, 0, 30, 0, 7));
    const numbers = [
      0,
      -0,
      0.5,
      -1,
      1e21,
      1e-7,
      2 ** 53,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      NaN,
      Infinity,
      -Infinity,
    ];
    const strings = [
      "",
      "AB",
      '"',
      "\\",
      "\n",
      "\u2028",
      "\u0000",
      "\ud800",
      "\udfff\ud800",
      "é",
      "𠀀",
      "__proto__",
    ];
    for (const n of numbers) {
      expectSameAsGeneral({ seq: 7, index: n, choice: ["A"] }, 5, at);
      expectSameAsGeneral({ seq: 7, index: n, flagged: true }, 5, at);
      if (Number.isFinite(n) && n > 0) {
        expectSameAsGeneral({ seq: n, index: 1, choice: ["B"] }, 5, at);
        expectSameAsGeneral({ seq: n, index: 1, flagged: false }, 5, at);
      }
    }
    for (const s of strings) {
      expectSameAsGeneral({ seq: 7, index: 1, choice: [s] }, 5, at);
      expectSameAsGeneral({ seq: 7, index: 1, choice: ["A", s] }, 5, at);
    }
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme-composite" }), { maxLength: 4 }), (c) =>
        expectSameAsGeneral({ seq: 7, index: 1, choice: c }, 5, at),
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 4 }), (c) =>
        expectSameAsGeneral({ seq: 7, index: 1, choice: c }, 5, at),
      ),
      { numRuns: 500 },
    );
  });

  it("when a flag is saved, then its event data has its keys in canonical order (written as is)", () => {
    const plan = savePlan(attemptAt(3), { seq: 4, index: 2, flagged: true }, new Date(0), 30);
    expect(Object.keys(plan.event.data)).to.deep.equal(["flagged", "index", "seq"]);
    const answer = savePlan(attemptAt(3), { seq: 4, index: 2, choice: ["A"] }, new Date(0), 30);
    expect(Object.keys(answer.event.data)).to.deep.equal(["choice", "index", "seq"]);
  });
});
