import { expect } from "chai";
import { ref } from "vue";
import type { AttemptStatus } from "../../../server/contracts/exams.js";
import { useAnswerSlots } from "../../../client/src/features/exam/answer-slots.js";
import { useResyncLoop } from "../../../client/src/features/exam/resync-loop.js";
import { onSaveRefused } from "../../../client/src/features/exam/save-refusal.js";
import { useAttemptJournal } from "../../../client/src/features/exam/use-attempt-journal.js";
import { aFakeClock } from "../../helpers/fake-clock.js";
import { pinRandom } from "./support/pinned-random.js";

const MINUTE = 60_000;
let attempts = 0;

/**
 * The candidate's page as far as a refused save goes: the attempt's journal as the store holds it
 * (in memory, as without IndexedDB), a server that refuses every save with `code`, the store's
 * answer to a refusal (`onSaveRefused`) over the page's status and countdown as given, and the
 * resync loop the store runs, whose sync replays the journal as attempt-sync.ts does. Every sync
 * reads the attempt still in progress (the server holds it open).
 */
async function aPage(page: { status: AttemptStatus; timeUp: boolean; code?: string }) {
  const clock = aFakeClock();
  const attemptId = `attempt-${++attempts}`;
  const code = page.code ?? "attempt_closed";
  const { slots, slot } = useAnswerSlots(ref(true));
  const syncsAt: number[] = [];
  const resyncs: number[] = [];
  const refusedForGood: string[] = [];
  const refused = onSaveRefused({
    status: () => page.status,
    timeUp: () => page.timeUp,
    resync: () => {
      resyncs.push(clock.now());
      void loop.resync();
    },
    refusedForGood: (message) => refusedForGood.push(message),
  });
  const journal = useAttemptJournal({
    transport: {
      connected: () => true,
      emit: () => Promise.resolve({ ok: false, error: { code, message: "考试已结束，答案不再接受" } }),
    },
    fillMissing: () => Promise.resolve(),
    attempt: () => null,
    slots,
    slot,
    msToDeadline: () => 0,
    resendDue: () => true,
    syncing: () => loop.syncing(),
    // Not running: a refusal arms no retry timer (there is no window here; none is armed for these codes).
    running: () => false,
    stored: () => undefined,
    refused: (_entry, error) => refused(error),
    overtaken: () => undefined,
  });
  const loop = useResyncLoop({
    syncOnce: async () => {
      syncsAt.push(clock.now());
      await journal.replay([]);
    },
    running: () => true,
    sleep: clock.sleep,
    ended: () => undefined,
  });
  await journal.follow(attemptId, 0);
  return { clock, journal, loop, syncsAt, resyncs, refusedForGood };
}

describe("exam page: a save refused as the attempt closes or is held (client)", () => {
  // The resync loop's back-off jitters its delays: pinned to take nothing off, they are the full ones.
  pinRandom(0);

  it("when the deadline sweep holds the seat for an outage credit (time up, still in progress), then a refused replay asks for no resync and the page syncs once for the whole hold", async () => {
    const page = await aPage({ status: "in_progress", timeUp: true });
    // An answer made offline is still in the journal when the page reconnects during the hold.
    page.journal.saves.change({ kind: "answer", index: 0, choice: ["A"] });
    await page.clock.advance(0);
    void page.loop.reconnected();
    await page.clock.advance(30 * MINUTE);
    expect(page.resyncs).to.deep.equal([]);
    expect(page.syncsAt).to.deep.equal([0]);
    // Kept for the credit's `attempt:clock`, which replays it, or the close, which names it.
    expect(page.journal.pendingCount.value).to.equal(1);
  });

  it("when a save is refused attempt_closed before the countdown reached zero (a proctor's hand-in), then the page resyncs to read how the attempt closed", async () => {
    const page = await aPage({ status: "in_progress", timeUp: false });
    page.journal.saves.change({ kind: "answer", index: 0, choice: ["A"] });
    await page.clock.advance(0);
    expect(page.resyncs).to.deep.equal([0]);
  });

  it("when a save is refused attempt_paused, then the page resyncs whatever its countdown shows", async () => {
    for (const timeUp of [false, true]) {
      const page = await aPage({ status: "in_progress", timeUp, code: "attempt_paused" });
      page.journal.saves.change({ kind: "answer", index: 0, choice: ["A"] });
      await page.clock.advance(0);
      expect(page.resyncs, String(timeUp)).to.deep.equal([0]);
    }
  });

  it("when saves are refused saves_exhausted, then the page says why and does not resync", async () => {
    const page = await aPage({ status: "in_progress", timeUp: false, code: "saves_exhausted" });
    page.journal.saves.change({ kind: "answer", index: 0, choice: ["A"] });
    await page.clock.advance(0);
    expect(page.refusedForGood).to.have.length(1);
    expect(page.resyncs).to.deep.equal([]);
  });
});
