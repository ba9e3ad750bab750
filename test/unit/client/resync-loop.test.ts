import { expect } from "chai";
import { useResyncLoop } from "../../../client/src/features/exam/resync-loop.js";

/** A clock the test moves by hand: `sleep` resolves once `advance` passes its time. */
function aFakeClock() {
  let now = 0;
  let timers: { at: number; resolve: () => void }[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
    /** Moves the clock on to `until`, waking each sleep at its time and letting the loop run on. */
    async advance(until: number): Promise<void> {
      await settle();
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.resolve();
        await settle();
      }
      now = until;
    },
  };
}

/**
 * A page whose every sync asks for another (each save it replays is refused `attempt_closed` while
 * the attempt stays `submitting`), up to `limit` syncs so a loop without a pause still ends.
 */
function aPageStuckInSubmitting(limit = 200) {
  const clock = aFakeClock();
  const syncsAt: number[] = [];
  let running = true;
  const loop = useResyncLoop({
    // The refusal arrives with the save's ack, while the sync still runs.
    syncOnce: async () => {
      syncsAt.push(clock.now());
      await Promise.resolve();
      if (syncsAt.length < limit) void loop.resync();
    },
    running: () => running,
    sleep: clock.sleep,
    ended: () => undefined,
  });
  return { clock, syncsAt, loop, stop: () => (running = false) };
}

describe("exam page: the resync loop (client)", () => {
  it("when every sync asks for another (the attempt stays submitting), then the syncs back off 1 s, 2 s, 4 s … up to 15 s apart", async () => {
    const page = aPageStuckInSubmitting();
    void page.loop.resync();
    await page.clock.advance(60_000);
    const gaps = page.syncsAt.slice(1).map((at, i) => at - page.syncsAt[i]!);
    expect(gaps).to.deep.equal([0, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it("when a sync asks for one more once, then that one runs at once and the loop ends", async () => {
    const page = aPageStuckInSubmitting(2);
    let ended = false;
    await Promise.race([page.loop.resync().then(() => (ended = true)), page.clock.advance(0)]);
    await page.clock.advance(0);
    expect(page.syncsAt).to.deep.equal([0, 0]);
    expect(ended).to.equal(true);
    expect(page.loop.syncing()).to.equal(null);
  });

  it("when the page stops while the loop waits, then it syncs no more", async () => {
    const page = aPageStuckInSubmitting();
    void page.loop.resync();
    await page.clock.advance(1000);
    const before = page.syncsAt.length;
    page.stop();
    await page.clock.advance(60_000);
    expect(page.syncsAt.length).to.equal(before);
    expect(page.loop.syncing()).to.equal(null);
  });
});
