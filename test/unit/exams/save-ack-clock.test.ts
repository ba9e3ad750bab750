import { expect } from "chai";
import fc from "fast-check";
import { saveAck } from "../../../server/exams/answers.js";
import { clockOf } from "../../../server/exams/clock.js";
import { clockParts } from "../../../server/exams/presenters.js";
import { anAttemptDocument } from "../../helpers/attempt-builders.js";

/**
 * A save's ack reads the attempt's clock once (issue 17): held to the clock every other answer
 * reads (`clockOf`), started or not, paused or not, with accommodation, credits and past pauses.
 */
describe("the clock a save's ack carries", () => {
  it("when attempts in any clock state are acknowledged, then the ack's clock is clockOf's and the rest is the save's", () => {
    const minutes = fc.oneof(fc.constantFrom(0, 1, 60), fc.nat(600));
    const moment = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) });
    fc.assert(
      fc.property(
        fc.record({
          startedAt: fc.option(moment, { nil: undefined }),
          minutes,
          accommodationMinutes: fc.option(minutes, { nil: undefined }),
          creditedMinutes: fc.option(fc.integer({ min: -30, max: 120 }), { nil: undefined }),
          pausedMs: fc.option(fc.nat(3_600_000), { nil: undefined }),
          pausedAt: fc.option(moment, { nil: null }),
          chainN: fc.nat(20_000),
        }),
        moment,
        fc.nat(499),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.boolean(),
        (a, now, index, seq, applied) => {
          const doc = anAttemptDocument({
            ...a,
            startedAt: a.startedAt === undefined ? undefined : new Date(a.startedAt),
            pausedAt: a.pausedAt === null ? null : new Date(a.pausedAt),
          });
          const at = new Date(now);
          const ack = saveAck(doc, at, index, seq, seq - 1, applied);
          expect(ack).to.deep.equal({
            attemptId: doc._id,
            index,
            seq,
            savedSeq: seq - 1,
            applied,
            ...clockOf(clockParts(doc), at),
            version: doc.chainN,
          });
          expect(Object.keys(ack)).to.deep.equal([
            "attemptId",
            "index",
            "seq",
            "savedSeq",
            "applied",
            "serverTime",
            "deadline",
            "paused",
            "remainingMs",
            "version",
          ]);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
