import { expect } from "chai";
import fc from "fast-check";
import { missingSeqsOf, recordSeq, type SeqRecord } from "../../../server/exams/index.js";

/** What the database does with a record's operators ($max, $pull {$lte}, $addToSet). */
type Stored = { seen: number[]; seenUpTo: number };
function apply(r: Stored, rec: SeqRecord | null): Stored {
  if (!rec) return r;
  let seen = [...r.seen];
  if (rec.pullUpTo) seen = seen.filter((s) => s > (rec.pullUpTo?.seen ?? 0));
  if (rec.addToSet && !seen.includes(rec.addToSet.seen)) seen.push(rec.addToSet.seen);
  return { seen, seenUpTo: Math.max(r.seenUpTo, rec.max?.seenUpTo ?? 0) };
}

const plainMissing = (arrived: Set<number>, upTo: number) =>
  Array.from({ length: upTo }, (_, i) => i + 1).filter((s) => !arrived.has(s));

describe("received seqs (watermark and the few above it)", () => {
  it("when seqs arrive in order, then the watermark follows them and the list stays empty", () => {
    let r: Stored = { seen: [], seenUpTo: 0 };
    for (let s = 1; s <= 100; s++) r = apply(r, recordSeq(r, s));
    expect(r).to.deep.equal({ seen: [], seenUpTo: 100 });
    expect(recordSeq(r, 57)).to.equal(null);
  });

  it("when an old document lists every seq and has no watermark, then its missing seqs read the same and the seq closing its gap folds the list", () => {
    const old = { seen: [1, 2, 3, 5] };
    expect(missingSeqsOf(old, 6)).to.deep.equal([4, 6]);
    expect(recordSeq(old, 4)).to.deep.equal({ max: { seenUpTo: 5 }, pullUpTo: { seen: 5 } });
    expect(recordSeq(old, 7)).to.deep.equal({ addToSet: { seen: 7 } });
    expect(recordSeq(old, 2)).to.equal(null);
  });

  it("when seqs arrive in any order with repeats, then the missing seqs are exactly those a full list would name, and the list holds only seqs above the first gap", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 80 }), (arrivals) => {
        let r: Stored = { seen: [], seenUpTo: 0 };
        const arrived = new Set<number>();
        for (const s of arrivals) {
          r = apply(r, recordSeq(r, s));
          arrived.add(s);
          expect(missingSeqsOf(r, 40)).to.deep.equal(plainMissing(arrived, 40));
        }
        const firstGap = plainMissing(arrived, 41)[0] ?? 41;
        expect(r.seenUpTo).to.equal(firstGap - 1);
        expect(r.seen.every((s) => s > firstGap)).to.equal(true);
      }),
    );
  });

  it("when two writers record different seqs decided on the same read, then either order of their updates keeps both", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 14 }),
        fc.integer({ min: 1, max: 14 }),
        (before, a, b) => {
          let read: Stored = { seen: [], seenUpTo: 0 };
          for (const s of before) read = apply(read, recordSeq(read, s));
          const ra = recordSeq(read, a);
          const rb = recordSeq(read, b);
          const expected = plainMissing(new Set([...before, a, b]), 14);
          expect(missingSeqsOf(apply(apply(read, ra), rb), 14)).to.deep.equal(expected);
          expect(missingSeqsOf(apply(apply(read, rb), ra), 14)).to.deep.equal(expected);
        },
      ),
    );
  });
});
