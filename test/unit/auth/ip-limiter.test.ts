import { expect } from "chai";
import { clientKey, createLocalLoginCounts, networkKey } from "../../../server/auth/login-throttle.js";

const MINUTE = 60_000;
/** The start of a minute window, far from zero, as the node's clock reads it. */
const TURN = 1_000 * MINUTE;

/** Attempts for `key` at `t` on `counts`, each counted when it fits; how many were refused. */
function refusals(
  counts: ReturnType<typeof createLocalLoginCounts>,
  keys: string[],
  limit: number,
  t: number,
): number {
  let refused = 0;
  for (const key of keys) {
    if (counts.refusal(key, limit, t) !== null) refused++;
    else counts.count(key, limit, t);
  }
  return refused;
}

describe("login limit per client address: who counts, and one instance's own counts", () => {
  it("when one client rotates through addresses of its IPv6 /64, then they count as one client", () => {
    const counts = createLocalLoginCounts();
    const rotating = Array.from(
      { length: 10 },
      (_, i) => `ip:${clientKey(`2001:db8:0:7::${(i + 1).toString(16)}`)}`,
    );
    expect(refusals(counts, rotating, 3, TURN)).to.equal(7);
    expect(refusals(counts, [`ip:${clientKey("2001:db8:0:8::1")}`], 3, TURN)).to.equal(0);
  });

  it("when an IPv4 client arrives as an IPv4-mapped IPv6 address, then it is the same client, in no IPv6 /48", () => {
    expect(clientKey("::ffff:192.0.2.7")).to.equal("192.0.2.7");
    expect(clientKey("192.0.2.7")).to.equal("192.0.2.7");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).to.equal(clientKey("2001:db8:1:2::9"));
    expect(networkKey("::ffff:192.0.2.7")).to.equal(null);
    expect(networkKey("192.0.2.7")).to.equal(null);
  });

  it("when addresses lie in different /64s of one IPv6 /48, then they share its network key and no other /48 does", () => {
    expect(networkKey("2001:db8:1:2::9")).to.equal("2001:db8:1::/48");
    expect(networkKey("2001:db8:1:ffff::1")).to.equal(networkKey("2001:db8:1:2::9"));
    expect(networkKey("2001:db8:2:2::9")).to.not.equal(networkKey("2001:db8:1:2::9"));
  });

  it("when ten thousand other addresses arrive within the minute, then a limited client stays limited", () => {
    const counts = createLocalLoginCounts();
    expect(refusals(counts, Array(4).fill("ip:198.51.100.1"), 3, TURN + 1_000)).to.equal(1);
    const flood = Array.from(
      { length: 10_001 },
      (_, i) => `ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    );
    refusals(counts, flood, 3, TURN + 2_000);
    expect(refusals(counts, ["ip:198.51.100.1"], 3, TURN + 3_000)).to.equal(1);
  });

  it("when an attempt sent on is taken back, then it no longer counts, in its window or once that window is the previous one", () => {
    const counts = createLocalLoginCounts();
    expect(refusals(counts, Array(3).fill("ip:198.51.100.3"), 3, TURN + 1_000)).to.equal(0);
    expect(counts.refusal("ip:198.51.100.3", 3, TURN + 1_000)).to.not.equal(null);
    counts.uncount("ip:198.51.100.3", TURN + 1_000);
    expect(counts.refusal("ip:198.51.100.3", 3, TURN + 1_000)).to.equal(null);
    // Two counted in the window before, and one of them taken back once it is the previous one:
    // one weighs a whole at the turn, so two more fit.
    expect(counts.refusal("ip:198.51.100.3", 3, TURN + MINUTE)).to.equal(null);
    counts.uncount("ip:198.51.100.3", TURN + 1_000);
    expect(refusals(counts, Array(3).fill("ip:198.51.100.3"), 3, TURN + MINUTE)).to.equal(1);
  });

  it("when the shared count refused a key until a moment, then it is refused here until then, with the wait left, and not after", () => {
    const counts = createLocalLoginCounts();
    counts.count("ip:198.51.100.4", 3, TURN);
    counts.uncount("ip:198.51.100.4", TURN);
    counts.refuseUntil("ip:198.51.100.4", TURN + 15_000);
    expect(counts.refusal("ip:198.51.100.4", 3, TURN + 5_000)).to.equal(10_000);
    expect(counts.refusal("ip:198.51.100.4", 3, TURN + 15_000)).to.equal(null);
  });
});
