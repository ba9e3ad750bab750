import { expect } from "chai";
import { createHubExchangeService } from "../../../server/exchange/index.js";
import { createHubExchangePort } from "../../../server/hub/index.js";
import { AppError } from "../../../server/lib/errors.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * A province's inbox pull confirms what its cursor passed: the hub marks those messages delivered,
 * the cases they brought `delivered`, and tells the senders. A write like the exchange's others, so
 * it checks the pulling node again inside its transaction (holdNodeForWrite, last): a node the hub
 * operator suspends after the gate let the pull in is refused with the gate's own 403
 * node_suspended and confirms nothing. Called here as the route calls the service once the gate
 * let the request in, the node suspended after that.
 */
describe("cross-province exchange: an inbox pull by a node suspended after the hub's gate", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");

  const hubConn = () => net.hub.node.ctx.conn;
  const service = () =>
    createHubExchangeService(hubConn(), {
      hub: createHubExchangePort(hubConn()),
      ackHours: { filing: 72, transfer: 120, notice: 240 },
    });

  it("when 江苏 is suspended after the gate let its confirming pull in, then the pull is refused 403 node_suspended and nothing is marked delivered, and the same pull confirms once 江苏 is active", async () => {
    await net.beijing.send();
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const { caseId } = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    const toJiangsu = { caseId, to: "320000" };
    // A first pull from the start reads the filing's message and confirms nothing.
    const first = await service().inbox("320000", 0, 50);
    expect(first.messages.map((m) => m.caseId)).to.include(caseId);
    const keyId = net.jiangsu.key.keyId;

    await net.hub.registry.setStatus("320000", "suspended");
    let refusal: { code: string; status: number } | null = null;
    try {
      await service().inbox("320000", first.nextCursor, 50, 0, keyId);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      refusal = { code: err.code, status: err.status };
    } finally {
      await net.hub.registry.setStatus("320000", "active");
    }
    expect(refusal).to.deep.equal({ code: "node_suspended", status: 403 });
    const inbox = hubConn().collection("exchange_inbox");
    expect(await inbox.findOne(toJiangsu)).to.include({ deliveredAt: null });
    expect(await hubConn().collection("exchange_cases").findOne({ caseId })).to.include({ state: "sent" });

    await service().inbox("320000", first.nextCursor, 50, 0, keyId);
    expect((await inbox.findOne(toJiangsu))?.deliveredAt).to.be.instanceOf(Date);
    expect(await hubConn().collection("exchange_cases").findOne({ caseId })).to.include({
      state: "delivered",
    });
  });
});
