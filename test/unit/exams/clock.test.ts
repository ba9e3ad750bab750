import { expect } from "chai";
import {
  acceptsSaves,
  clockOf,
  computeDeadline,
  remainingMs,
  type ClockParts,
} from "../../../server/exams/index.js";

const start = new Date("2026-05-10T01:00:00Z");
const parts = (over: Partial<ClockParts> = {}): ClockParts => ({
  startedAt: start,
  minutes: 60,
  accommodationMinutes: 0,
  creditedMinutes: 0,
  pausedMs: 0,
  pausedAt: null,
  ...over,
});

describe("exam clock", () => {
  it("when an attempt is released, then its deadline is start + minutes + credit + accommodation + closed pauses", () => {
    const d = computeDeadline(parts({ accommodationMinutes: 15, creditedMinutes: 5, pausedMs: 30_000 }));
    expect(d?.toISOString()).to.equal("2026-05-10T02:20:30.000Z");
  });

  it("when an attempt is not released, then it has no deadline and no remaining time", () => {
    expect(computeDeadline(parts({ startedAt: null }))).to.equal(null);
    expect(clockOf(parts({ startedAt: null }), start)).to.deep.equal({
      serverTime: start.getTime(),
      deadline: null,
      paused: false,
      remainingMs: null,
    });
  });

  it("when an attempt is paused, then its remaining time is frozen at the pause", () => {
    const pausedAt = new Date(start.getTime() + 10 * 60_000);
    const later = new Date(start.getTime() + 40 * 60_000);
    expect(remainingMs(parts({ pausedAt }), later)).to.equal(50 * 60_000);
    expect(clockOf(parts({ pausedAt }), later).paused).to.equal(true);
  });

  it("when the deadline has passed, then remaining time is zero, not negative", () => {
    expect(remainingMs(parts(), new Date(start.getTime() + 61 * 60_000))).to.equal(0);
  });

  it("when a save arrives within the grace after the deadline, then it is accepted; after the grace it is not", () => {
    const deadline = computeDeadline(parts());
    expect(acceptsSaves(deadline, new Date((deadline?.getTime() ?? 0) + 4_000), 5)).to.equal(true);
    expect(acceptsSaves(deadline, new Date((deadline?.getTime() ?? 0) + 6_000), 5)).to.equal(false);
    expect(acceptsSaves(null, start, 5)).to.equal(false);
  });
});
