import { expect } from "chai";
import { retriesRoomLoad, useRoomLoadLoop } from "../../../client/src/features/proctor/room-load-loop.js";
import { aFakeClock } from "../../helpers/fake-clock.js";
import { pinRandom } from "./support/pinned-random.js";

/**
 * A proctor console over a fake server. The `i`-th `proctor:watch` answers the room as the server
 * had it when the request arrived (reply `i`: a later request reads a newer room); it takes
 * `loadMs[i]` (else `defaultMs`) on the clock and fails when `fails(i)` says so (the console then
 * shows loadError). `shown` is the reply the console shows.
 */
function aConsole(
  opts: { loadMs?: number[]; defaultMs?: number; fails?: (i: number) => boolean | "throws" } = {},
) {
  const clock = aFakeClock();
  const startedAt: number[] = [];
  let shown: number | null = null;
  let running = true;
  let inFlight = 0;
  let mostInFlight = 0;
  const loop = useRoomLoadLoop({
    loadOnce: async () => {
      const i = startedAt.length;
      startedAt.push(clock.now());
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      await clock.sleep(opts.loadMs?.[i] ?? opts.defaultMs ?? 100);
      inFlight--;
      const fails = opts.fails?.(i) ?? false;
      if (fails === "throws") throw new Error("reply not readable");
      if (fails) return false;
      shown = i;
      return true;
    },
    running: () => running,
    sleep: clock.sleep,
  });
  return {
    clock,
    loop,
    startedAt,
    shown: () => shown,
    mostInFlight: () => mostInFlight,
    /** The console unmounts or its socket drops. */
    stop: () => (running = false),
  };
}

describe("proctor console: the room's load loop (client)", () => {
  // The back-off jitters its delays: pinned to take nothing off, they are the full ones.
  pinRandom(0);

  it("when two loads are triggered while one is in flight, then one more load runs after it and the older reply cannot overwrite the newer", async () => {
    // The first reply is slow: had the later loads run beside it, it would land last.
    const room = aConsole({ loadMs: [500, 100, 100] });
    void room.loop.load();
    await room.clock.advance(100);
    void room.loop.load(); // e.g. a settled action
    await room.clock.advance(200);
    void room.loop.load(); // e.g. 刷新
    await room.clock.advance(5000);
    expect(room.startedAt).to.deep.equal([0, 500]);
    expect(room.mostInFlight()).to.equal(1);
    expect(room.shown()).to.equal(1);
    expect(room.loop.loading()).to.equal(null);
  });

  it("when a load fails, then it is retried after 1 s without a click", async () => {
    const room = aConsole({ fails: (i) => i === 0 });
    void room.loop.load();
    await room.clock.advance(60_000);
    // The failed load ends at 0.1 s; the retry follows 1 s later and succeeds, and nothing more runs.
    expect(room.startedAt).to.deep.equal([0, 1100]);
    expect(room.shown()).to.equal(1);
    expect(room.loop.loading()).to.equal(null);
  });

  it("when loads keep failing, then the retries back off 1 s, 2 s, 4 s … up to 15 s apart", async () => {
    const room = aConsole({ defaultMs: 0, fails: () => true });
    void room.loop.load();
    await room.clock.advance(60_000);
    const gaps = room.startedAt.slice(1).map((at, i) => at - room.startedAt[i]!);
    expect(gaps).to.deep.equal([1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(room.mostInFlight()).to.equal(1);
  });

  it("when a load throws, then it counts as failed and is retried after 1 s", async () => {
    const room = aConsole({ defaultMs: 0, fails: (i) => (i === 0 ? "throws" : false) });
    const ended = room.loop.load();
    await room.clock.advance(5000);
    await ended;
    expect(room.startedAt).to.deep.equal([0, 1000]);
    expect(room.shown()).to.equal(1);
  });

  it("when the socket reconnects during a back-off, then the room loads at once and the back-off starts again at 1 s", async () => {
    const room = aConsole({ defaultMs: 0, fails: () => true });
    void room.loop.load();
    // Loads at 0, 1 s, 3 s, 7 s, 15 s, 30 s: at 35 s the loop waits until 45 s.
    await room.clock.advance(35_000);
    expect(room.startedAt.at(-1)).to.equal(30_000);
    void room.loop.reconnected();
    await room.clock.advance(46_000);
    expect(room.startedAt.filter((at) => at >= 35_000)).to.deep.equal([35_000, 36_000, 38_000, 42_000]);
    expect(room.mostInFlight()).to.equal(1);
  });

  it("when the proctor clicks 刷新 during a back-off, then the room loads at once and the back-off keeps its step", async () => {
    const room = aConsole({ defaultMs: 0, fails: () => true });
    void room.loop.load();
    // Loads at 0 and 1 s; the next retry is due at 3 s.
    await room.clock.advance(2000);
    void room.loop.load();
    await room.clock.advance(7000);
    // The click's load fails as the third in a row: the next waits 4 s, not 1 s.
    expect(room.startedAt).to.deep.equal([0, 1000, 2000, 6000]);
  });

  it("when the socket reconnects while a load runs, then one more load follows it at once", async () => {
    const room = aConsole({ loadMs: [500, 100] });
    void room.loop.load();
    for (let t = 100; t < 500; t += 100) {
      await room.clock.advance(t);
      void room.loop.reconnected();
    }
    await room.clock.advance(5000);
    expect(room.startedAt).to.deep.equal([0, 500]);
    expect(room.mostInFlight()).to.equal(1);
    expect(room.shown()).to.equal(1);
  });

  it("when the console closes or its socket drops while it waits to retry, then it loads no more", async () => {
    const room = aConsole({ defaultMs: 0, fails: () => true });
    void room.loop.load();
    await room.clock.advance(1500);
    room.stop();
    await room.clock.advance(60_000);
    expect(room.startedAt).to.deep.equal([0, 1000]);
    expect(room.loop.loading()).to.equal(null);
    expect(room.clock.pending()).to.equal(0);
  });

  it("when the socket is down, then a trigger loads nothing (the reconnect will)", async () => {
    const room = aConsole();
    room.stop();
    void room.loop.load();
    await room.clock.advance(5000);
    expect(room.startedAt).to.deep.equal([]);
  });

  it("when a watch gets no answer or the server fails, then it is retried; when the server refuses it, then not", () => {
    for (const code of ["ack_timeout", "internal_error", "too_many_requests"])
      expect(retriesRoomLoad(code), code).to.equal(true);
    // Each 403/404 of a watch is audited as a refusal: a retry would repeat it into the audit.
    for (const code of [
      "forbidden",
      "not_found",
      "session_not_found",
      "unauthenticated",
      "session_ended",
      "validation_failed",
      "invalid_id",
    ])
      expect(retriesRoomLoad(code), code).to.equal(false);
  });
});
