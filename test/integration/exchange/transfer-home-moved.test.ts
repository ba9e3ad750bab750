import { expect } from "chai";
import { aCertifiedPractitioner, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * An agreed transfer moves the practitioner's home pointer to the receiving province in the same
 * transaction. When the pointer no longer names the answering province as home (it moved since the
 * case was sent), the move changed nothing, yet the case was recorded agreed: the receiving
 * province issued while lookups still answered from another home. The agreement is refused and
 * nothing of it is written.
 */
describe("cross-province exchange: an agreement whose home pointer has moved", () => {
  const net = useExchangeNetwork();
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const hub = () => net.hub.node.ctx.conn;

  it("when 江苏 agrees to a transfer after the pointer stopped naming 江苏 as home, then the hub refuses it home_moved and holds the case unanswered", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await net.jiangsu.pull();
    // The pointer moved meanwhile (as by another change of home the case did not see).
    await hub()
      .collection("hub_practitioners")
      .updateOne({ idNumber: p.idNumber }, { $set: { homeProvince: "440000" } });

    const answer = await net.jiangsu.client.call(
      "POST",
      `/api/hub/v1/exchange/cases/${transfer.caseId}/answer`,
      {
        outcome: "acknowledged",
        officer: { id: jsOfficer.id, name: jsOfficer.displayName, divisionCode: "320000" },
      },
    );
    expect(answer.status, answer.rawBody).to.equal(409);
    expect(answer.error?.code).to.equal("home_moved");
    const atHub = await hub().collection("exchange_cases").findOne({ caseId: transfer.caseId });
    expect(atHub).to.deep.include({ state: "delivered", ack: null });
    expect(atHub?.sourceRecord ?? null).to.equal(null);
    expect(await hub().collection("hub_practitioners").findOne({ idNumber: p.idNumber })).to.include({
      homeProvince: "440000",
    });
    expect(
      await hub()
        .collection("exchange_inbox")
        .countDocuments({ caseId: transfer.caseId, to: "110000", "message.state": "acknowledged" }),
    ).to.equal(0);
  });
});
