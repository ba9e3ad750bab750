import { createHash } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import {
  canonical,
  CHAIN_GENESIS,
  eventHash,
  findBrokenLink,
  isoText,
  nextEvent,
  paperHash,
  paperOnRecord,
  type ChainEvent,
} from "../../../server/exams/index.js";
import type { Paper } from "../../../server/contracts/paper.js";

function chain(n: number): ChainEvent[] {
  const out: ChainEvent[] = [];
  for (let i = 0; i < n; i++) {
    const prev = out.at(-1);
    out.push(
      nextEvent(
        prev ? { n: prev.n, hash: prev.hash } : null,
        i === 0 ? "check_in" : "answer",
        { index: i, choice: ["A"], seq: i },
        new Date(Date.UTC(2026, 4, 10, 1, 0, i)),
      ),
    );
  }
  return out;
}

/**
 * The canonical text the stored chains were written with, stated plainly: sorted keys, members
 * holding undefined left out (the hash streams it into sha256 after the previous hash).
 */
function reference(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
}

describe("attempt event chain", () => {
  it("when events are appended, then each carries the previous event's hash and the first links to genesis", () => {
    const events = chain(4);
    expect(events[0]?.prevHash).to.equal(CHAIN_GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).to.equal(events[i - 1]?.hash);
    expect(findBrokenLink(events)).to.equal(null);
  });

  it("when one event's data is edited, then verification names that event", () => {
    const events = chain(5);
    const e = events[2];
    if (!e) throw new Error("fixture");
    events[2] = { ...e, data: { ...e.data, choice: ["B"] } };
    expect(findBrokenLink(events)).to.equal(3);
  });

  it("when an event is deleted, then verification names the gap", () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(findBrokenLink(events)).to.equal(3);
  });

  it("when the same content is hashed with keys in another order, then the hash is the same", () => {
    const at = new Date(0);
    expect(nextEvent(null, "answer", { a: 1, b: [1, 2] }, at).hash).to.equal(
      nextEvent(null, "answer", { b: [1, 2], a: 1 }, at).hash,
    );
  });
});

describe("attempt event chain: the hash's bytes", () => {
  it("when any event data is hashed, then the canonical text and the hash are those of the rule the stored chains were written with", () => {
    const data = fc.dictionary(
      fc.string(),
      fc.oneof(
        fc.jsonValue(),
        fc.constant(undefined),
        fc.array(fc.option(fc.integer())),
        fc.date({ noInvalidDate: true }),
      ),
    );
    fc.assert(
      fc.property(data, fc.date({ noInvalidDate: true }), fc.integer({ min: 1, max: 1e6 }), (d, at, n) => {
        expect(canonical(d)).to.equal(reference(d));
        const e = { n, at, type: "answer" as const, data: d, prevHash: CHAIN_GENESIS };
        const streamed = createHash("sha256")
          .update(e.prevHash)
          .update("\n")
          .update(reference({ n, at: at.toISOString(), type: e.type, data: d }))
          .digest("hex");
        expect(eventHash(e)).to.equal(streamed);
      }),
    );
  });
});

describe("attempt event chain: the time written into the hash", () => {
  it("when any times are written one after another (the same second, others, any year), then each reads exactly as toISOString", () => {
    const near = fc.integer({ min: 0, max: 3_000 }).map((ms) => new Date(Date.UTC(2026, 11, 2, 10, 0, 59) + ms));
    const any = fc.date({ noInvalidDate: true });
    const written = (d: Date) => {
      try {
        return isoText(d);
      } catch (err) {
        return (err as Error).name;
      }
    };
    const expected = (d: Date) => {
      try {
        return d.toISOString();
      } catch (err) {
        return (err as Error).name;
      }
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(near, near, any, fc.date()), { maxLength: 20 }), (dates) => {
        for (const d of dates) expect(written(d)).to.equal(expected(d));
      }),
    );
    expect(isoText(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 7)))).to.equal("2026-01-01T00:00:00.007Z");
    expect(isoText(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 70)))).to.equal("2026-01-01T00:00:00.070Z");
    expect(isoText(new Date(Date.UTC(10_000, 0, 1)))).to.equal("+010000-01-01T00:00:00.000Z");
    expect(written(new Date(Number.NaN))).to.equal("RangeError");
  });
});

describe("attempt event chain: canonical text of data already in order", () => {
  /** Plain literal objects with their keys inserted in sorted order, as a save's event is built. */
  const key = fc.oneof(
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.constantFrom("0", "1", "2", "10", "9", "a"),
  );
  const leaf = fc.oneof(
    fc.string({ unit: "binary", maxLength: 8 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
  );
  const sortedValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((entries) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
        return out;
      }),
    ),
  })).value;

  it("when data is already in key order (integer-like keys and lone surrogates included), then its canonical text is the rule's", () => {
    fc.assert(
      fc.property(sortedValue, (value) => {
        expect(canonical(value)).to.equal(reference(value));
      }),
      { numRuns: 2000 },
    );
  });

  it("when data holds what JSON.stringify writes otherwise, then its canonical text is still the rule's", () => {
    const at = new Date(0);
    const cases: unknown[] = [
      { a: { toJSON: () => "x" } },
      { a: Object.assign([1, 2], { toJSON: () => "x" }) },
      { b: Buffer.from("hi"), c: 1 },
      { d: new Date(Number.NaN) },
      { e: () => 1 },
      Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 }),
      { "10": 1, "9": 2 },
      undefined,
      at,
    ];
    for (const value of cases) {
      let expected: string | Error;
      try {
        expected = reference(value);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) expect(() => canonical(value)).to.throw();
      else expect(canonical(value)).to.equal(expected);
    }
  });

  describe("the paper a chain commits to", () => {
    const aPaper = (): Paper => ({
      categoryCode: "01001",
      blueprintId: "bp-1",
      blueprintVersion: 2,
      seed: "abc",
      minutes: 60,
      passMark: 90,
      totalPoints: 2,
      multipleScoring: "all_or_nothing",
      questions: [
        {
          questionId: "q1",
          version: 1,
          type: "single",
          chapter: "安全行车",
          difficulty: 2,
          stem: "连续驾驶 4 小时后至少休息多久？",
          options: [
            { key: "A", text: "20 分钟" },
            { key: "B", text: "5 分钟" },
          ],
          optionOrder: ["B", "A"],
          answer: ["A"],
          explanation: "",
          points: 1,
        },
        {
          questionId: "q2",
          version: 3,
          type: "true_false",
          chapter: "安全行车",
          difficulty: 1,
          stem: "押运人员可以离开危险货物运输车辆。",
          options: [],
          optionOrder: [],
          answer: ["F"],
          explanation: "",
          points: 1,
          imageId: undefined,
        },
      ],
    });

    /** A chain whose check-in names `hash`, and whose closing (if any) names `graded`. */
    function sitting(hash: string | undefined, graded?: string): ChainEvent[] {
      const at = new Date(Date.UTC(2026, 4, 10, 1, 0, 0));
      const first = nextEvent(null, "check_in", { by: "p", seatId: "s", ...(hash && { paperHash: hash }) }, at);
      const answer = nextEvent(first, "answer", { choice: ["A"], index: 0, seq: 1 }, at);
      if (graded === undefined) return [first, answer];
      return [first, answer, nextEvent(answer, "submit", { reason: "candidate", paperHash: graded }, at)];
    }

    it("when a paper is stored and read back, then its hash is the same: key order and an absent optional member do not count", () => {
      const paper = aPaper();
      const stored = JSON.parse(JSON.stringify(paper)) as Paper;
      const reordered = Object.fromEntries(Object.entries(stored).reverse()) as Paper;
      const withNull = { ...stored, questions: stored.questions.map((q) => ({ ...q, imageId: null })) };
      expect(paperHash(paper)).to.match(/^[0-9a-f]{64}$/);
      expect(paperHash(stored)).to.equal(paperHash(paper));
      expect(paperHash(reordered)).to.equal(paperHash(paper));
      expect(paperHash(withNull as unknown as Paper)).to.equal(paperHash(paper));
    });

    it("when a key, an option order or a question of the paper changes, then its hash does", () => {
      const base = paperHash(aPaper());
      const edits: ((p: Paper) => void)[] = [
        (p) => void (p.questions[0]!.answer = ["B"]),
        (p) => void (p.questions[0]!.optionOrder = ["A", "B"]),
        (p) => void (p.questions[1]!.version = 4),
        (p) => void p.questions.reverse(),
        (p) => void (p.passMark = 80),
      ];
      for (const edit of edits) {
        const p = aPaper();
        edit(p);
        expect(paperHash(p)).to.not.equal(base);
      }
    });

    it("when the paper is edited after check-in, then the check says changed although every link of the chain holds", () => {
      const hash = paperHash(aPaper());
      const edited = aPaper();
      edited.questions[0]!.answer = ["B"];
      const events = sitting(hash);
      expect(findBrokenLink(events)).to.equal(null);
      expect(paperOnRecord(events, hash)).to.equal("intact");
      expect(paperOnRecord(events, paperHash(edited))).to.equal("changed");
    });

    it("when the closing graded another paper than the one checked in, then the check says changed, even with the original restored", () => {
      const hash = paperHash(aPaper());
      const edited = aPaper();
      edited.questions[0]!.answer = ["B"];
      expect(paperOnRecord(sitting(hash, hash), hash)).to.equal("intact");
      expect(paperOnRecord(sitting(hash, paperHash(edited)), hash)).to.equal("changed");
    });

    it("when a chain was made before check-in named the paper, then the check says so instead of guessing", () => {
      expect(paperOnRecord(sitting(undefined), paperHash(aPaper()))).to.equal("unrecorded");
      expect(paperOnRecord([], paperHash(aPaper()))).to.equal("unrecorded");
    });
  });
});
