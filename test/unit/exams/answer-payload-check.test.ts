import { expect } from "chai";
import fc from "fast-check";
import { AnswerPayload } from "../../../server/contracts/exams.js";
import type { Ack } from "../../../server/contracts/errors.js";
import { exactAnswerPayload } from "../../../server/exams/answer-payload-check.js";
import { sharedListener } from "../../../server/lib/socket-ack.js";

/**
 * `attempt:answer`'s payload is checked by hand before zod (issue 17): the hand check may only
 * accept what the contract's schema accepts, giving zod's parsed value, and leaves everything else
 * to zod, so every refusal is still zod's. These tests run both on a broad set of payloads.
 */

const ID = "6751a2b3c4d5e6f708192a3b";
const valid = () => ({ attemptId: ID, seq: 12, index: 7, choice: ["A", "C"] });
const KEYS = ["attemptId", "seq", "index", "choice"] as const;

/** Values that are wrong (or at an edge) for some field, of every type. */
const oddValues: unknown[] = [
  undefined,
  null,
  true,
  false,
  "",
  "1",
  "A",
  "x".repeat(64),
  "x".repeat(65),
  "\ud800",
  0,
  -0,
  1,
  -1,
  0.5,
  2,
  499,
  500,
  999_999,
  1_000_000,
  1_000_001,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  NaN,
  Infinity,
  -Infinity,
  10n,
  Symbol("s"),
  {},
  [],
  ["A"],
  ["A", "B", "C", "D"],
  ["A", "B", "C", "D", "T"],
  ["E"],
  ["a"],
  [1],
  [null],
  ["A", undefined],
  new Array(2),
  [["A"]],
  new Date(0),
  () => "A",
  Object.create(null),
  Object.freeze(["T", "F"]),
];

/** A payload as a fresh value each time (the listener's handler may keep what it is given). */
function payloads(): unknown[] {
  const out: unknown[] = [valid(), JSON.parse(JSON.stringify(valid()))];
  for (const key of KEYS) {
    for (const odd of oddValues) out.push({ ...valid(), [key]: odd });
    const missing: Record<string, unknown> = valid();
    delete missing[key];
    out.push(missing);
  }
  // Extra keys, own `__proto__` as the wire's JSON makes it, symbols and hidden keys.
  out.push({ ...valid(), extra: 1 });
  out.push({ ...valid(), constructor: 1 });
  out.push(JSON.parse(`{"attemptId":"${ID}","seq":1,"index":0,"choice":[],"__proto__":{"x":1}}`));
  out.push(JSON.parse(`{"attemptId":"${ID}","seq":1,"index":0,"__proto__":["A"]}`));
  out.push(JSON.parse(`{"attemptId":"${ID}","seq":1,"index":0,"choice":{"__proto__":[]}}`));
  out.push({ ...valid(), [Symbol("extra")]: 1 });
  const hidden = valid();
  Object.defineProperty(hidden, "extra", { value: 1, enumerable: false });
  out.push(hidden);
  // Not plain objects: no prototype, inherited fields, a class, a Date, an array, a Map, primitives.
  out.push(Object.assign(Object.create(null) as object, valid()));
  out.push(Object.assign(Object.create({ seq: 3 }) as object, { attemptId: ID, index: 1, choice: [] }));
  out.push(Object.assign(Object.create({ extra: 1 }) as object, valid()));
  out.push(Object.assign(new (class Payload {})(), valid()));
  out.push(Object.assign(new Date(0), valid()));
  out.push([ID, 1, 0, []]);
  out.push(new Map(Object.entries(valid())));
  out.push(undefined, null, 0, "payload", true);
  // Odd arrays for the choice: a subclass, extra properties, a getter-backed item, an accessor field.
  class Choices extends Array<string> {}
  out.push({ ...valid(), choice: Choices.from(["A"]) });
  out.push({ ...valid(), choice: Object.assign(["B"], { extra: 1 }) });
  const getterChoice: string[] = [];
  Object.defineProperty(getterChoice, 0, { get: () => "C", enumerable: true });
  out.push({ ...valid(), choice: getterChoice });
  const accessor = { attemptId: ID, index: 2, choice: ["D"] } as Record<string, unknown>;
  Object.defineProperty(accessor, "seq", { get: () => 5, enumerable: true });
  out.push(accessor);
  return out;
}

/**
 * The ack the answer listener gives `payload`, with the hand check as the exam socket registers it
 * or with zod's parse alone, its handler answering with the payload it got.
 */
function ackOf(check: "hand" | "zod", payload: unknown): Ack<unknown> {
  const exact = check === "hand" ? exactAnswerPayload : null;
  const { listener } = sharedListener(
    "attempt:answer",
    AnswerPayload,
    (_socket, p) => p as never,
    undefined,
    exact,
  );
  let got: Ack<unknown> | undefined;
  (listener as (this: unknown, ...args: unknown[]) => void).call({}, payload, (a: Ack<unknown>) => (got = a));
  if (!got) throw new Error("no ack");
  return got;
}

/** The hand check against zod for one payload: accepts only what zod accepts, giving zod's value. */
function expectAgrees(payload: unknown): "hand" | "zod" {
  const zod = AnswerPayload.safeParse(payload);
  const hand = exactAnswerPayload(payload);
  if (hand === undefined) return "zod";
  expect(zod.success, `zod refuses what the hand check accepts: ${String(payload)}`).to.equal(true);
  expect(hand).to.deep.equal(zod.data);
  expect(Object.keys(hand)).to.deep.equal(Object.keys(zod.data ?? {}));
  expect(Object.getPrototypeOf(hand)).to.equal(Object.getPrototypeOf(zod.data));
  expect(Object.getPrototypeOf(hand.choice)).to.equal(Array.prototype);
  expect(hand.choice).to.not.equal((payload as { choice: unknown }).choice);
  return "hand";
}

describe("the hand check of an answer save's payload", () => {
  it("when payloads are right, wrong in each field in each way, short of keys, with extra keys or not plain objects, then the hand check accepts only what zod accepts, with zod's value", () => {
    const all = payloads();
    const taken = all.map(expectAgrees);
    // The wire's payloads that zod accepts are the hand check's: otherwise nothing is saved.
    expect(taken[0]).to.equal("hand");
    expect(taken[1]).to.equal("hand");
    expect(taken.filter((t) => t === "hand").length).to.be.greaterThan(20);
  });

  it("when the same payloads reach the answer listener, then its ack is what zod alone answers", () => {
    const mine = payloads();
    const theirs = payloads();
    expect(mine.length).to.be.greaterThan(200);
    mine.forEach((p, i) => expect(ackOf("hand", p)).to.deep.equal(ackOf("zod", theirs[i])));
  });

  it("when a field is missing but read through a polluted prototype, beside a key of its own, then the hand check leaves it to zod", () => {
    Object.defineProperty(Object.prototype, "choice", {
      value: ["A"],
      enumerable: false,
      configurable: true,
    });
    try {
      const payload = { attemptId: ID, seq: 1, index: 0, extra: 1 };
      expect(expectAgrees(payload)).to.equal("zod");
      expect(AnswerPayload.safeParse(payload).success).to.equal(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>).choice;
    }
  });

  it("when generated payloads as the wire carries them (JSON) are checked, then the hand check agrees with zod and takes every valid one", () => {
    const field = fc.oneof(
      fc.integer({ min: -2, max: 1_000_002 }),
      fc.double(),
      fc.string({ maxLength: 70 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.constantFrom("A", "B", "C", "D", "T", "F", "E", "", "AB"), { maxLength: 6 }),
    );
    const valueFor = {
      attemptId: fc.oneof(fc.string({ minLength: 1, maxLength: 64, unit: "binary" }), field),
      seq: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), field),
      index: fc.oneof(fc.integer({ min: 0, max: 499 }), field),
      choice: fc.oneof(fc.array(fc.constantFrom("A", "B", "C", "D", "T", "F"), { maxLength: 4 }), field),
    };
    // Written as JSON text, so that `__proto__` arrives as the wire's JSON.parse makes it: an own key.
    const members = fc.tuple(
      fc.record(valueFor, { requiredKeys: [] }),
      fc.array(fc.tuple(fc.constantFrom("extra", "__proto__", "constructor", "seq"), field), {
        maxLength: 2,
      }),
    );
    fc.assert(
      fc.property(members, ([known, extra]) => {
        const entries = [...Object.entries(known), ...extra];
        const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
        const wire: unknown = JSON.parse(text);
        const taken = expectAgrees(wire);
        if (AnswerPayload.safeParse(wire).success) expect(taken).to.equal("hand");
        expect(ackOf("hand", wire)).to.deep.equal(ackOf("zod", JSON.parse(text)));
      }),
      { numRuns: 5_000 },
    );
  });
});
