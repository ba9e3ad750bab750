import { expect } from "chai";
import { formatCountdown, formatElapsed } from "../../../client/src/features/proctor/seat-labels.js";

describe("durations on the proctor console", () => {
  it("when a seat has been offline for a while, then the console says how long in words, not as a clock time", () => {
    expect(formatElapsed(45_000)).to.equal("45 秒");
    expect(formatElapsed(208_000)).to.equal("3 分 28 秒");
    expect(formatElapsed(3_900_000)).to.equal("1 小时 5 分");
    expect(formatElapsed(-5)).to.equal("0 秒");
  });

  it("when time is left on an attempt, then it counts down as mm:ss, or h:mm:ss from an hour", () => {
    expect(formatCountdown(3_600_000)).to.equal("1:00:00");
    expect(formatCountdown(208_000)).to.equal("03:28");
    // A part second left still shows as a second, so 00:00 means the time is up.
    expect(formatCountdown(400)).to.equal("00:01");
  });
});
