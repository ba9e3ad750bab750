import { expect } from "chai";
import { createHoldPause } from "../../../server/lib/queue-hold.js";
import { recordingLogger } from "../../helpers/recording-logger.js";

/**
 * A hold because the hub refused this node's clock (401 clock_skew / signature_expired) is the
 * operator's to fix on this node: the log says to check the clock, not that the hub is away.
 */
describe("queue holds: the hub refused this node's clock", () => {
  it("when a queue holds for a clock refusal, then each of the log's words (first, long, after deliveries) sends the operator to the node's clock", () => {
    let clock = 0;
    const { logger, lines } = recordingLogger();
    const pause = createHoldPause({
      logger,
      consumer: "t",
      holdMs: { first: 1_000, max: 1_000 },
      warnAfterMs: 10_000,
      now: () => clock,
    });
    const reason =
      "全国中心按时间拒收该消息 (401 clock_skew)，请检查本节点服务器的时钟（时间同步），消息在本地等待";
    pause.held(reason, { cause: "clock" });
    clock += 10_000;
    pause.held(reason, { cause: "clock" });
    pause.delivered();
    pause.held(reason, { cause: "clock" });
    expect(lines.map((l) => l.level)).to.deep.equal(["info", "warn", "warn"]);
    for (const l of lines) {
      expect(l.msg).to.match(/clock/);
      expect(l.msg).to.not.match(/unreachable|busy|key/);
    }
  });
});
