import { expect } from "chai";
import { createFailureCount } from "../../../server/auth/failure-count.js";

/** A clock standing still at `t` until moved. */
function stillClock(start: number) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("auth: an instance's count of failed logins per period", () => {
  it("when failures are counted within a period, then they are due once that period is over, with their sources and the period", () => {
    // 4 seconds into a 10-second period.
    const c = stillClock(1_004_000);
    const count = createFailureCount({ windowMs: 10_000, maxSources: 2, now: c.now });
    expect(count.msUntilDue(), "nothing counted").to.equal(null);
    for (const source of ["a", "b", "a", "c"]) count.count(source);
    expect(count.msUntilDue(), "the period's end, not a period after the first").to.equal(6_000);
    expect(count.take()).to.equal(null);
    c.advance(6_000);
    expect(count.take()).to.deep.equal({ period: 100, count: 4, sources: ["a", "b"], sourcesLeftOut: true });
    expect(count.msUntilDue(), "taken").to.equal(null);
    expect(count.take({ force: true }), "once").to.equal(null);
  });

  it("when failures are counted and the instance shuts down before the period is over, then forcing takes them at once", () => {
    const c = stillClock(1_000_000);
    const count = createFailureCount({ windowMs: 10_000, maxSources: 10, now: c.now });
    count.count("a");
    c.advance(9_999);
    count.count("b");
    expect(count.take()).to.equal(null);
    expect(count.take({ force: true })).to.deep.equal({
      period: 100,
      count: 2,
      sources: ["a", "b"],
      sourcesLeftOut: false,
    });
  });
});
