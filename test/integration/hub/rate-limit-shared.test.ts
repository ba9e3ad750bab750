import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

/**
 * The per-node rate limit is one count per node key in a hub instance: the collection and catalog
 * interfaces and the exchange interface each have a gate, and with a bucket each a node could send
 * twice its limit.
 */
describe("hub rate limit: one count per node key across the hub's and the exchange's gates", () => {
  const provinceDb = useTestDatabase("prov_ratejoin");
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ HUB_RATE_LIMIT_PER_MINUTE: "3" });
  });
  after(async () => {
    await hub.node.stop();
  });

  it("when a node has used its limit on the collection interface, then its next request to the exchange is refused 429 rate_limited", async () => {
    const province = await aRegisteredProvince(hub, "350000", provinceDb.conn);
    for (let i = 0; i < 3; i++) {
      const answer = await province.client.call("POST", "/api/hub/v1/collection/records", {
        batchId: `shared-${i}`,
        records: [aPassRecord({ province: "350000" })],
      });
      expect(answer.status, `batch ${i}`).to.equal(200);
    }
    const exchange = await province.client.call("GET", "/api/hub/v1/exchange/inbox?after=0&limit=1");
    expect(exchange.status).to.equal(429);
    expect(exchange.error?.code).to.equal("rate_limited");
  });

  it("when a node has used its limit on the exchange, then its next batch to the collection interface is refused 429", async () => {
    const province = await aRegisteredProvince(hub, "360000", provinceDb.conn);
    for (let i = 0; i < 3; i++) {
      const answer = await province.client.call("GET", "/api/hub/v1/exchange/inbox?after=0&limit=1");
      expect(answer.status, `poll ${i}`).to.equal(200);
    }
    const batch = await province.client.call("POST", "/api/hub/v1/collection/records", {
      batchId: "shared-last",
      records: [aPassRecord({ province: "360000" })],
    });
    expect(batch.status).to.equal(429);
  });
});
