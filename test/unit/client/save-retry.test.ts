import { expect } from "chai";
import {
  missingSeqFiller,
  retriesSave,
  saveRetryDelayMs,
  unsavedAnswerIndexes,
} from "../../../client/src/features/exam/save-retry.js";
import { aSeatServer } from "./support/seat-server.js";
import { pinRandom } from "./support/pinned-random.js";

/** Journal entries as the page keeps them (answer-journal.ts), reduced to what the check reads. */
const answer = (seq: number, index: number) => ({ seq, kind: "answer" as const, index });
const flag = (seq: number, index: number) => ({ seq, kind: "flag" as const, index });

describe("exam page: retrying saves the server did not acknowledge", () => {
  // The back-off jitters its delays: pinned to take nothing off, they are the full ones.
  pinRandom(0);

  it("when saves keep failing, then they are retried after 1 s, 2 s, 4 s … and never more than 15 s apart", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 12].map((n) => saveRetryDelayMs(n, null));
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000]);
  });

  it("when the deadline comes before the next retry, then the retry is at the deadline, inside the server's grace", () => {
    expect(saveRetryDelayMs(5, 3_000)).to.equal(3_000);
    expect(saveRetryDelayMs(1, 60_000)).to.equal(1_000);
    // Past the deadline (the grace still runs): the first retries come at once, then the backoff
    // holds (a whole room is past its deadline together; a database outage keeps it there).
    expect(saveRetryDelayMs(1, 0)).to.equal(1_000);
    expect(saveRetryDelayMs(9, 0)).to.equal(15_000);
  });

  it("when the server failed or did not answer, then the save is retried; when it refused it for good or another path resends it, then not", () => {
    for (const code of ["ack_timeout", "internal_error", "too_many_requests", "something_new"])
      expect(retriesSave(code), code).to.equal(true);
    for (const code of [
      "validation_failed",
      "question_out_of_range",
      "invalid_choice",
      "attempt_closed",
      "attempt_paused",
      "saves_exhausted",
      "offline",
      "seq_conflict",
    ])
      expect(retriesSave(code), code).to.equal(false);
  });

  it("when the attempt closes with journalled answers newer than what the server stored, then those questions are named, flags and stored ones not", () => {
    const saved = new Map([
      [0, 3],
      [1, 0],
      [2, 9],
    ]);
    const pending = [answer(3, 0), answer(5, 1), answer(6, 1), flag(7, 4), answer(8, 2)];
    expect(unsavedAnswerIndexes(pending, (i) => saved.get(i) ?? 0)).to.deep.equal([1]);
    expect(unsavedAnswerIndexes([], () => 0)).to.deep.equal([]);
  });
});

describe("exam page: filling seqs the server misses (client)", () => {
  it("when the seqs above a missing one are flags, then its filler repeats one of them and never stores an older answer over a newer one", () => {
    const server = aSeatServer("attempt-fill", 2);
    // Another page of the seat answered question 0 (seq 1), lost its seq 3 and flagged question 1 (seq 4);
    // this page's sync read that, then its journalled answer to question 0 (seq 2) was stored.
    server.fromOtherPage({ seq: 1, kind: "answer", index: 0, choice: ["A"] });
    server.fromOtherPage({ seq: 4, kind: "flag", index: 1, flagged: true });
    const synced = [
      { index: 0, choice: ["A"], seq: 1, flagged: false, flagSeq: 0 },
      { index: 1, choice: [], seq: 0, flagged: true, flagSeq: 4 },
    ];
    expect(server.fromThisPage({ seq: 2, kind: "answer", index: 0, choice: ["B"] })).to.deep.include({
      ok: true,
    });
    expect(server.missing()).to.deep.equal([3]);

    const ack = server.fromThisPage(missingSeqFiller(synced, [], 3));
    expect(ack.ok && ack.data.applied).to.equal(false);
    expect(server.answers[0]).to.deep.include({ choice: ["B"], seq: 2 });
    expect(server.answers[1]).to.deep.include({ flagged: true, flagSeq: 4 });
    // Submit waits for nothing more.
    expect(server.missing()).to.deep.equal([]);
  });

  it("when the page flagged a question after its last read and a seq is missing above that flag, then the filler leaves the flag as the candidate set it", () => {
    const server = aSeatServer("attempt-fill-flag", 2);
    // The page's read (a sync) found nothing flagged; then the candidate flagged question 0 (seq 1),
    // stored and acknowledged: the page shows it flagged under seq 1.
    const read: { index: number; choice: string[]; seq: number; flagged: boolean; flagSeq: number }[] = [];
    expect(server.fromThisPage({ seq: 1, kind: "flag", index: 0, flagged: true })).to.deep.include({
      ok: true,
    });
    const shown = [{ index: 0, flagged: true, flagSeq: 1 }];
    // Seq 2 never arrives (another page of the seat died with it); its seq 3 flagged question 1.
    server.fromOtherPage({ seq: 3, kind: "flag", index: 1, flagged: true });
    expect(server.missing()).to.deep.equal([2]);

    server.fromThisPage(missingSeqFiller(read, shown, 2));
    // The filler applied, if at all, what the candidate last set: question 0 stays flagged.
    expect(server.answers[0]).to.deep.include({ flagged: true });
    expect(server.answers[1]).to.deep.include({ flagged: true, flagSeq: 3 });
    expect(server.missing()).to.deep.equal([]);
  });

  it("when answers are stored above a missing seq, then its filler repeats one of them; when nothing is, then it is a flag, never an answer", () => {
    const stored = [
      { index: 0, choice: ["A"], seq: 2, flagged: false, flagSeq: 0 },
      { index: 3, choice: ["C", "D"], seq: 7, flagged: true, flagSeq: 5 },
    ];
    expect(missingSeqFiller(stored, [], 4)).to.deep.equal({
      kind: "answer",
      seq: 4,
      index: 3,
      choice: ["C", "D"],
    });
    expect(missingSeqFiller(stored, [], 1)).to.deep.include({ seq: 1 });
    // Above everything stored (a seq the server refused for good): a flag, which does not score,
    // restating the state of the flag changed last …
    expect(missingSeqFiller(stored, [], 7)).to.deep.equal({ kind: "flag", seq: 7, index: 3, flagged: true });
    expect(missingSeqFiller(stored, [], 9)).to.deep.include({ kind: "flag" });
    expect(missingSeqFiller([], [], 1)).to.deep.equal({ kind: "flag", seq: 1, index: 0, flagged: false });
    // … as the page shows it: its own change after the read is the newer state.
    expect(missingSeqFiller(stored, [{ index: 3, flagged: false, flagSeq: 8 }], 9)).to.deep.equal({
      kind: "flag",
      seq: 9,
      index: 3,
      flagged: false,
    });
  });
});
