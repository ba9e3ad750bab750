import { expect } from "chai";
import { slidingRefusal, type SlidingCount } from "../../../server/auth/login-throttle.js";

const MINUTE = 60_000;

/**
 * The shared login limit per address, as the database counts it: one count per minute window
 * (`ip:<client>:<minute>`) of the attempts let through. Simulated here in memory, on a clock in ms,
 * so that every moment can be tried: `attempt(t)` asks `slidingRefusal` and counts the attempt
 * into t's window only when it is let through (a refused attempt counts nowhere).
 */
function simulated(limit: number) {
  const windows = new Map<number, number>();
  const countAt = (t: number): SlidingCount => {
    const minute = Math.floor(t / MINUTE);
    const current = windows.get(minute) ?? 0;
    return { current, previous: windows.get(minute - 1) ?? 0, elapsedMs: t - minute * MINUTE };
  };
  return {
    attempt: (t: number) => {
      const counted = countAt(t);
      const wait = slidingRefusal(counted, limit);
      if (wait === null) windows.set(Math.floor(t / MINUTE), counted.current + 1);
      return wait;
    },
    /** What an attempt at `t` would be told, without counting it. */
    peek: (t: number) => slidingRefusal(countAt(t), limit),
  };
}

describe("login limit per address: the sliding minute's arithmetic", () => {
  it("when an address spends its allowance at the end of one window, then at the start of the next it is still refused", () => {
    const limiter = simulated(10);
    const turn = 100 * MINUTE;
    for (let i = 0; i < 10; i++) expect(limiter.attempt(turn - 1)).to.equal(null);
    for (let i = 0; i < 10; i++) expect(limiter.attempt(turn + i * 100)).to.not.equal(null);
  });

  it("when the previous window was quiet, then the full allowance is available", () => {
    const limiter = simulated(10);
    const turn = 100 * MINUTE;
    for (let i = 0; i < 10; i++) expect(limiter.attempt(turn - MINUTE - 1)).to.equal(null);
    for (let i = 0; i < 10; i++) expect(limiter.attempt(turn)).to.equal(null);
    expect(limiter.attempt(turn)).to.not.equal(null);
  });

  it("when an address waits for any moment and then takes all it is let through, then no second around a window's turn gives it more than its limit and one, and no minute more than twice its limit", () => {
    for (const limit of [1, 4, 60]) {
      for (const quietUntil of [10 * MINUTE, 11 * MINUTE - 1_000, 11 * MINUTE - 10, 11 * MINUTE + 30_000]) {
        const limiter = simulated(limit);
        const accepted: number[] = [];
        // Every 10 ms for three minutes, as often as it would be let through.
        for (let t = quietUntil; t < 13 * MINUTE; t += 10) {
          while (limiter.peek(t) === null) {
            expect(limiter.attempt(t)).to.equal(null);
            accepted.push(t);
          }
        }
        const label = `limit ${limit}, quiet until ${quietUntil}`;
        for (const turn of [11 * MINUTE, 12 * MINUTE, 13 * MINUTE]) {
          const near = accepted.filter((t) => t > turn - 1_000 && t <= turn + 1_000);
          expect(near.length, `${label}, at ${turn}`).to.be.at.most(limit + 1);
        }
        // The two-bucket estimate takes the previous window as spread evenly: a minute that holds the
        // end of one window and most of the next may hold twice the limit, spread over that minute.
        for (const t of accepted) {
          const inMinute = accepted.filter((u) => u > t - MINUTE && u <= t).length;
          expect(inMinute, label).to.be.at.most(2 * limit);
        }
      }
    }
  });

  it("when the previous window filled the limit and none are let through yet in this one, then the next waits until a share of the previous one has left the sliding minute", () => {
    // Four weigh three once a quarter of their window has left: one more fits.
    expect(slidingRefusal({ current: 0, previous: 4, elapsedMs: 0 }, 4)).to.equal(15_000);
    expect(slidingRefusal({ current: 0, previous: 4, elapsedMs: 15_000 }, 4)).to.equal(null);
    // A limit of one: the previous window's one must have left entirely.
    expect(slidingRefusal({ current: 0, previous: 1, elapsedMs: 100 }, 1)).to.equal(MINUTE - 100);
  });

  it("when an attempt is refused, then the wait it names is the first whole second at which the next is accepted", () => {
    for (const [limit, previous, current] of [
      [4, 4, 0],
      [4, 2, 3],
      [10, 25, 4],
      [10, 3, 12],
      [1, 1, 0],
      [60, 60, 59],
    ] as const) {
      for (const elapsed of [0, 1, 999, 30_000, 59_999]) {
        const limiter = simulated(limit);
        const turn = 100 * MINUTE;
        for (let i = 0; i < previous; i++) limiter.attempt(turn - MINUTE);
        for (let i = 0; i < current; i++) limiter.attempt(turn);
        const refusedAt = turn + elapsed;
        const wait = limiter.attempt(refusedAt);
        if (wait === null) continue;
        const label = `limit ${limit}, ${previous} then ${current}, refused at +${elapsed} ms`;
        expect(wait, label).to.be.greaterThan(0);
        // Accepted at the wait named (and at the whole second a client is told), not a moment before.
        expect(limiter.peek(refusedAt + wait), label).to.equal(null);
        expect(limiter.peek(refusedAt + Math.ceil(wait / 1000) * 1000), label).to.equal(null);
        expect(limiter.peek(refusedAt + wait - 1), label).to.not.equal(null);
      }
    }
  });
});
