import { expect } from "chai";
import { BSON } from "bson";
import fc from "fast-check";
import { findBrokenLink, nextEvent, type ChainEvent } from "../../../server/exams/index.js";

describe("attempt event chain over ill-formed text", () => {
  it("when event data holds any string (lone surrogates included), then the chain read back from BSON is intact", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 30 }), { minLength: 1, maxLength: 5 }), (notes) => {
        const events: ChainEvent[] = [];
        for (const note of notes) {
          const last = events.at(-1);
          events.push(nextEvent(last ? { n: last.n, hash: last.hash } : null, "pause", { note }, new Date(0)));
        }
        const stored = BSON.deserialize(BSON.serialize({ events })).events as ChainEvent[];
        expect(findBrokenLink(stored)).to.equal(null);
      }),
      { numRuns: 200 },
    );
  });
});
