import { expect } from "chai";
import { createHoldPause } from "../../../server/lib/queue-hold.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

describe("queue hold pause", () => {
  it("when the receiver holds for the first time, then the queue pauses and logs at info", () => {
    let clock = 1_000;
    const { logger, lines } = recordingLogger();
    const pause = createHoldPause({ logger, consumer: "t", now: () => clock });
    pause.held("401 unknown_key");
    expect(pause.active()).to.equal(true);
    clock += 2_000;
    expect(pause.active()).to.equal(false);
    expect(lines.map((l) => l.level)).to.deep.equal(["info"]);
  });

  it("when holds go on past the warning interval, then one warning per interval and info between", () => {
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const pause = createHoldPause({ logger, consumer: "t", warnAfterMs: 60_000, now: () => clock });
    for (let i = 0; i < 9; i += 1) {
      pause.held("401 unknown_key");
      clock += 30_000;
    }
    // Holds at 0, 30, 60, 90, 120, 150, 180, 210, 240 s: warnings at 60, 120, 180 and 240 s.
    expect(lines.map((l) => l.level)).to.deep.equal([
      "info",
      "info",
      "warn",
      "info",
      "warn",
      "info",
      "warn",
      "info",
      "warn",
    ]);
  });

  it("when a delivery goes through, then the next hold is a warning and the pause starts short again", () => {
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const pause = createHoldPause({
      logger,
      consumer: "t",
      holdMs: { first: 1_000, max: 8_000 },
      now: () => clock,
    });
    pause.held("x");
    pause.held("x");
    pause.delivered();
    pause.held("x");
    clock += 1_000;
    expect(pause.active()).to.equal(false);
    expect(lines.map((l) => l.level)).to.deep.equal(["info", "info", "warn"]);
  });

  it("when a delivery ends a long hold, then a new hold counts its time afresh", () => {
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const pause = createHoldPause({ logger, consumer: "t", warnAfterMs: 60_000, now: () => clock });
    pause.held("x");
    clock += 120_000;
    pause.held("x");
    pause.delivered();
    clock += 1_000;
    expect(lines.map((l) => l.level)).to.deep.equal(["info", "warn"]);
    // After a delivery every hold warns (the key was taken before); the long-hold rule is not needed.
    pause.held("x");
    expect(lines.at(-1)?.level).to.equal("warn");
  });

  it("when the receiver is unreachable and asks for a time, then the pause lasts at least that long and the log says it is away, not that the key is unknown", () => {
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const pause = createHoldPause({
      logger,
      consumer: "t",
      holdMs: { first: 1_000, max: 8_000 },
      now: () => clock,
    });
    pause.held("全国中心暂时无法接收 (429 rate_limited)", { cause: "unavailable", retryAfterMs: 60_000 });
    clock += 59_000;
    expect(pause.active()).to.equal(true);
    clock += 1_000;
    expect(pause.active()).to.equal(false);
    expect(lines.map((l) => l.msg)).to.deep.equal(["receiver is unreachable or busy; holding the queue"]);
  });
});
