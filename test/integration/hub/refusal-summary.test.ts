import { expect } from "chai";
import { startTestHub, type TestHub } from "./support.js";

/**
 * Issue 12 (defect from review): the summary of unsigned refusals the hub only counted was
 * written when the next unsigned refusal arrived, so a burst followed by silence was never summed
 * up. It is now written on a timer one summary window after the first counted refusal.
 */
describe("hub: the summary of unsigned refusals after a burst and silence", () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({
      HUB_UNSIGNED_LOG_PER_SOURCE_PER_MINUTE: "2",
      HUB_UNSIGNED_LOG_SUMMARY_MS: "200",
    });
  });
  after(async () => {
    await hub.node.stop();
  });

  const summaries = () =>
    hub.node.ctx.conn.collection("message_log").find({ code: "unauthenticated_not_logged" }).toArray();

  it("when one sender's burst of unsigned requests is refused and then nothing more arrives, then the log sums up the unlogged ones", async () => {
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${hub.node.url}/api/hub/v1/collection/records`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).to.equal(401);
      await res.arrayBuffer();
    }
    const refused = await hub.node.ctx.conn
      .collection("message_log")
      .countDocuments({ code: "signature_missing" });
    expect(refused, "the source's budget of 2 logged one by one").to.equal(2);
    // Silence: no request carries the summary. Waits for it well past the 200 ms window (bounded).
    let found = await summaries();
    for (let waited = 0; found.length === 0 && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      found = await summaries();
    }
    expect(found).to.have.length(1);
    expect(found[0]?.target).to.contain("4 条").and.contain("1 个来源");
    expect(found[0]).to.include({ outcome: "refused", peer: "unknown" });
  });
});
