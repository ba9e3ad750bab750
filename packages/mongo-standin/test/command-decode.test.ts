import { expect } from "chai";
import {
  Binary,
  BSONRegExp,
  Decimal128,
  deserialize,
  Double,
  EJSON,
  Int32,
  Long,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
  type Document,
} from "bson";
import { decodeDocument } from "../src/wire/command-decode.js";
import { random } from "./seeded-random.js";

/** What decoding gives: the value in canonical extended JSON (types, order and all), or the error. */
function decoded(decode: (bytes: Buffer) => Document, bytes: Buffer): string {
  try {
    const doc = decode(bytes);
    return `${kinds(doc)} ${EJSON.stringify(doc, { relaxed: false })}`;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** The class of every object in a decoded value, in order (extended JSON shows a DBRef as a plain `{$ref, $id}`). */
function kinds(value: unknown): string {
  if (value === null || typeof value !== "object") return typeof value;
  const proto: unknown = Object.getPrototypeOf(value);
  const name = proto === null ? "null" : ((proto as { constructor?: { name?: string } }).constructor?.name ?? "?");
  if (name !== "Object" && name !== "Array") return name;
  const inner = Object.keys(value).map((key) => kinds((value as Record<string, unknown>)[key]));
  return `${name}(${inner.join(",")})`;
}

const fast = (bytes: Buffer): Document => decodeDocument(bytes, 0, bytes.length);

/**
 * The stand-in decodes commands with its own decoder for common types, falling back to bson's
 * (command-decode.ts). bson's `deserialize` is the rule: every document, well formed or not,
 * must decode to the same values and types in the same order, or fail with the same error.
 */
describe("mongo-standin: command decoding", () => {
  const next = random(23);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

  const scalar = (): unknown =>
    pick<() => unknown>([
      () => Math.floor(next() * 200) - 100,
      () => 2 ** 31 + 5,
      () => -0,
      () => Number.NaN,
      () => next() * 1e6,
      () => "in_progress",
      () => "",
      () => "a".repeat(Math.floor(next() * 70)),
      () => pick(["é", "题号", "😀", "a\u0000b".slice(0, 1), "\u007f", "\u0080"]),
      () => next() < 0.5,
      () => null,
      () => new Date(Math.floor(next() * 4e12) - 2e12),
      () => new Date(-1),
      () => new Date(2 ** 40 + 3),
      () => new ObjectId(),
      () => Long.fromNumber(Math.floor(next() * 1000)),
      () => Long.fromString("9007199254740993"),
      () => new Binary(Buffer.from([1, 2, 3]), 0),
      () => new UUID(),
      () => Decimal128.fromString("1.5"),
      () => new BSONRegExp("a+", "i"),
      () => new Timestamp({ t: 1, i: 2 }),
      () => new MinKey(),
      () => new Int32(7),
      () => new Double(2),
    ])();

  const value = (depth: number): unknown => {
    if (depth > 3 || next() < 0.55) return scalar();
    if (next() < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    return doc(depth + 1);
  };

  const doc = (depth: number): Document => {
    const out: Document = {};
    const fields = Math.floor(next() * 6);
    for (let f = 0; f < fields; f += 1) {
      const name = pick(["_id", "chainN", "answers.31.seq", "$set", "$lte", "31", "0", "", "é", "events", `f${f}`]);
      out[name] = value(depth);
    }
    if (next() < 0.05) out.ref = { $ref: "attempts", $id: "a1" };
    if (next() < 0.05) Object.defineProperty(out, "__proto__", { value: { a: 1 }, enumerable: true });
    return out;
  };

  it("when random documents of every BSON type are decoded, then each is what bson's deserialize gives", () => {
    for (let round = 0; round < 3000; round += 1) {
      const bytes = Buffer.from(serialize(doc(0)));
      expect(decoded(fast, bytes), `round ${round}`).to.equal(decoded(deserialize, bytes));
    }
  });

  it("when random bytes of a document are changed, then it decodes, or fails, as bson's deserialize does", () => {
    let refusedOptions = 0;
    for (let round = 0; round < 3000; round += 1) {
      const bytes = Buffer.from(serialize(doc(0)));
      const changes = 1 + Math.floor(next() * 3);
      for (let c = 0; c < changes; c += 1)
        bytes[Math.floor(next() * bytes.length)] = pick([0, 1, 2, 3, 4, 8, 9, 10, 16, 0x7f, 0x80, 0xff, Math.floor(next() * 256)]);
      const reference = decoded(deserialize, bytes);
      const answer = decoded(fast, bytes);
      // A regular expression option bson would drop (a changed byte among the options) is refused
      // where bson decodes the document without it; anything else must decode as bson does.
      if (answer.includes("does not support the regular expression option")) {
        expect(reference, `round ${round}`).not.to.match(/^error:/);
        refusedOptions += 1;
        continue;
      }
      expect(answer, `round ${round} ${bytes.toString("hex")}`).to.equal(reference);
    }
    expect(refusedOptions).to.be.below(300);
  });

  it("when a regular expression carries an option bson drops (x), then decoding refuses it; i, m, s and u decode", () => {
    const bytes = (options: string) => Buffer.from(serialize({ q: { s: new BSONRegExp("a b", options) } }));
    expect(decoded(fast, bytes("x"))).to.match(/does not support the regular expression option 'x'/);
    expect(decoded(fast, bytes("imx"))).to.match(/does not support the regular expression option 'x'/);
    for (const options of ["", "i", "ms", "imsu"])
      expect(decoded(fast, bytes(options))).to.equal(decoded(deserialize, bytes(options)));
  });

  it("when a save-shaped update command is decoded, then names repeated across statements come out equal and in order", () => {
    const at = new Date("2026-12-02T08:00:00Z");
    const updates = Array.from({ length: 30 }, (_, i) => ({
      q: { _id: `a${i}`, chainN: i, status: "in_progress", pausedAt: null, deadline: { $gte: at }, [`answers.${i % 7}.seq`]: { $lt: i } },
      u: {
        $set: { [`answers.${i % 7}.choice`]: ["A", "C"], chainHash: "f".repeat(64), updatedAt: at },
        $push: { events: { n: i + 1, at, type: "answer", data: { choice: ["A"], index: i % 7, seq: i }, hash: "e".repeat(64) } },
        $pull: { seen: { $lte: i } },
        $max: { lastSeq: i, seenUpTo: i },
      },
    }));
    const bytes = Buffer.from(serialize({ update: "attempts", updates, ordered: false, lsid: { id: new UUID() }, $db: "app" }));
    expect(decoded(fast, bytes)).to.equal(decoded(deserialize, bytes));
  });
});
