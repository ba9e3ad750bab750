import { expect } from "chai";
import { useResyncLoop } from "../../../client/src/features/exam/resync-loop.js";
import { aFakeClock } from "../../helpers/fake-clock.js";
import { pinRandom } from "./support/pinned-random.js";

/**
 * A page whose every sync asks for another (each save it replays is refused `attempt_closed` while
 * the attempt stays `submitting`), up to `limit` syncs so a loop without a pause still ends. Each
 * sync takes `syncMs` on the clock (0: it ends at once); `inFlight` counts the syncs running.
 */
function aPageStuckInSubmitting(limit = 200, syncMs = 0) {
  const clock = aFakeClock();
  const syncsAt: number[] = [];
  let running = true;
  let inFlight = 0;
  let mostInFlight = 0;
  const loop = useResyncLoop({
    // The refusal arrives with the save's ack, while the sync still runs.
    syncOnce: async () => {
      syncsAt.push(clock.now());
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      if (syncMs > 0) await clock.sleep(syncMs);
      else await Promise.resolve();
      inFlight--;
      if (syncsAt.length < limit) void loop.resync();
    },
    running: () => running,
    sleep: clock.sleep,
    ended: () => undefined,
  });
  return { clock, syncsAt, loop, stop: () => (running = false), mostInFlight: () => mostInFlight };
}

describe("exam page: the resync loop (client)", () => {
  // The back-off jitters its delays: pinned to take nothing off, they are the full ones.
  pinRandom(0);

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

  it("when the socket reconnects during a 15 s back-off, then the page syncs at once and the back-off starts again at 1 s", async () => {
    const page = aPageStuckInSubmitting();
    void page.loop.resync();
    // Syncs at 0, 0, 1 s, 3 s, 7 s, 15 s, 30 s: at 35 s the loop waits for 45 s.
    await page.clock.advance(35_000);
    expect(page.syncsAt.at(-1)).to.equal(30_000);
    void page.loop.reconnected();
    await page.clock.advance(60_000);
    const after = page.syncsAt.filter((at) => at >= 35_000);
    // As on a first connect: at once, once more at once, then 1 s, 2 s, 4 s, 8 s (never at 45 s).
    expect(after).to.deep.equal([35_000, 35_000, 36_000, 38_000, 42_000, 50_000]);
    expect(page.mostInFlight()).to.equal(1);
  });

  it("when the socket reconnects while a sync runs, then the next sync follows it at once instead of after the back-off", async () => {
    const page = aPageStuckInSubmitting(200, 500);
    void page.loop.resync();
    // Syncs start at 0, 0.5 s, 2 s, 4.5 s, 9 s, 17.5 s, 33 s (each 0.5 s long, then a wait).
    await page.clock.advance(33_200);
    expect(page.syncsAt.at(-1)).to.equal(33_000);
    void page.loop.reconnected();
    await page.clock.advance(36_000);
    const after = page.syncsAt.filter((at) => at > 33_000);
    // The running one ends at 33.5 s and the loop starts over then (not 15 s later), as on a first
    // connect: at once, once more at once, then after 1 s.
    expect(after).to.deep.equal([33_500, 34_000, 35_500]);
    expect(page.mostInFlight()).to.equal(1);
  });

  it("when the socket reconnects again and again while a sync runs, then the syncs still run one at a time and the reconnects fold into one", async () => {
    const page = aPageStuckInSubmitting(1, 500);
    void page.loop.resync();
    for (let t = 50; t < 500; t += 50) {
      await page.clock.advance(t);
      void page.loop.reconnected();
    }
    await page.clock.advance(10_000);
    // The first sync (0–0.5 s) and one for all nine reconnects, at once after it.
    expect(page.syncsAt).to.deep.equal([0, 500]);
    expect(page.mostInFlight()).to.equal(1);
    expect(page.loop.syncing()).to.equal(null);
  });

  it("when the socket reconnects while no sync runs, then the page syncs at once", async () => {
    const page = aPageStuckInSubmitting(1);
    await page.clock.advance(2000);
    void page.loop.reconnected();
    await page.clock.advance(2000);
    expect(page.syncsAt).to.deep.equal([2000]);
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
