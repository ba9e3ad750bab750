import { expect } from "chai";
import { BACKOFF_MAX_MS, backoffMs } from "../../../client/src/shared/backoff.js";

describe("the pages' retry back-off (client)", () => {
  it("when the random draw is at its least, then the delays are the full 1 s, 2 s, 4 s … capped at 15 s", () => {
    const delays = [1, 2, 3, 4, 5, 6, 12].map((n) => backoffMs(n, () => 0));
    expect(delays).to.deep.equal([1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it("when a room of pages fails at once, then their retries spread over the second half of the delay instead of coming in step", () => {
    expect(backoffMs(1, () => 0.5)).to.equal(750);
    expect(backoffMs(5, () => 0.999)).to.be.within(BACKOFF_MAX_MS / 2, BACKOFF_MAX_MS / 2 + 10);
    // 5,000 pages with the real random draw: the 4th retry lands anywhere from 4 s to 8 s.
    const delays = Array.from({ length: 5000 }, () => backoffMs(4));
    expect(Math.min(...delays)).to.be.at.least(4000);
    expect(Math.max(...delays)).to.be.at.most(8000);
    expect(new Set(delays).size).to.be.greaterThan(1000);
  });
});
