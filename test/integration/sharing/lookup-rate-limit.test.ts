import { expect } from "chai";
import { staffAgent } from "../../helpers/auth.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../hub/support.js";

describe("sharing: an officer's lookup when the hub limits this node's rate", function () {
  this.timeout(60_000);
  let hub: TestHub;
  let province: Awaited<ReturnType<typeof aProvinceOfHub>> | undefined;

  before(async () => {
    // Two messages a minute: the node's own traffic and a few lookups soon exceed it.
    hub = await startTestHub({ HUB_RATE_LIMIT_PER_MINUTE: "2" });
    province = await aProvinceOfHub(hub, "420000");
  });
  after(async () => {
    await province?.stop();
    await hub?.node.stop();
  });

  it("when the hub refuses the lookup for the node's rate, then the officer gets 429 rate_limited with the hub's wait in details, in Retry-After and in the message", async () => {
    const officer = await staffAgent(province!, { roles: ["officer"], divisionCode: "420000" });
    let refused: { status: number; headers: Record<string, string>; body: unknown } | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const res = await officer.agent
        .post("/api/sharing/lookups")
        .send({
          query: { by: "certificate_number", certificateNumber: `420000202600${i}` },
          reason: "enforcement",
          caseReference: `鄂交执 2026-${i}`,
        });
      if (res.status === 429) refused = res;
    }
    const error = (
      refused?.body as
        { error?: { code?: string; message?: string; details?: { retryAfterSeconds?: number } } } | undefined
    )?.error;
    expect(error?.code).to.equal("rate_limited");
    const seconds = error?.details?.retryAfterSeconds;
    // One token every 30 s at the hub.
    expect(seconds).to.be.a("number").that.satisfies(Number.isSafeInteger).and.is.within(1, 30);
    expect(refused?.headers["retry-after"]).to.equal(String(seconds));
    expect(error?.message).to.equal(`全国库查询过于频繁，请 ${seconds} 秒后再试`);
  });
});
