import { expect } from "chai";
import { clientKey, createIpRateLimiter } from "../../../server/auth/login-throttle.js";
import { AppError } from "../../../server/lib/errors.js";

/** Hits `ip` n times; returns how many were refused. */
function refusals(limiter: ReturnType<typeof createIpRateLimiter>, ips: string[], now: number): number {
  let refused = 0;
  for (const ip of ips) {
    try {
      limiter.hit(ip, now);
    } catch {
      refused++;
    }
  }
  return refused;
}

describe("login limit per client address", () => {
  it("when one client rotates through addresses of its IPv6 /64, then they count as one client", () => {
    const limiter = createIpRateLimiter(3);
    const rotating = Array.from({ length: 10 }, (_, i) => `2001:db8:0:7::${(i + 1).toString(16)}`);
    expect(refusals(limiter, rotating, 1_000)).to.equal(7);
    expect(refusals(limiter, ["2001:db8:0:8::1"], 1_000)).to.equal(0);
  });

  it("when an IPv4 client arrives as an IPv4-mapped IPv6 address, then it is the same client", () => {
    expect(clientKey("::ffff:192.0.2.7")).to.equal("192.0.2.7");
    expect(clientKey("192.0.2.7")).to.equal("192.0.2.7");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).to.equal(clientKey("2001:db8:1:2::9"));
  });

  it("when ten thousand other addresses arrive within the minute, then a limited client stays limited", () => {
    const limiter = createIpRateLimiter(3);
    expect(refusals(limiter, Array(4).fill("198.51.100.1"), 1_000)).to.equal(1);
    const flood = Array.from(
      { length: 10_001 },
      (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    );
    refusals(limiter, flood, 2_000);
    expect(refusals(limiter, ["198.51.100.1"], 3_000)).to.equal(1);
  });

  it("when a client is refused, then it is told in Chinese when its window ends", () => {
    const limiter = createIpRateLimiter(3);
    expect(refusals(limiter, Array(3).fill("198.51.100.2"), 1_000)).to.equal(0);
    const refused = (() => {
      try {
        limiter.hit("198.51.100.2", 21_500);
        return null;
      } catch (err) {
        return err;
      }
    })();
    expect(refused).to.be.instanceOf(AppError);
    const { code, message, details } = refused as AppError;
    expect({ code, message, details }).to.deep.equal({
      code: "too_many_requests",
      message: "登录请求过于频繁，请稍后再试",
      details: { retryAfterSeconds: 40 },
    });
  });
});
