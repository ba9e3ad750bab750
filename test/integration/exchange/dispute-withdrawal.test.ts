import { expect } from "chai";
import { chinaDate } from "../../../server/lib/local-time.js";
import { refusalOf } from "./fixtures-exchange.js";
import { aCertifiedPractitioner, aNotice, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * The home province takes back a dispute it raised (撤回异议) on a notice (抄告): the notice is
 * as it was before the dispute (送达, unanswered), at the hub and at both provinces, and the home
 * answers it again. Before, a dispute raised in error stayed until the sender withdrew the notice.
 */
describe("cross-province exchange: the home province takes back its dispute of a notice", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");
  const takeBack = { reason: "经核实处罚决定书无误，撤回异议" };

  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const aDisputedNotice = async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, notice.caseId, {
      outcome: "problem",
      problem: { code: "other", note: "处罚决定书文号与事实不符" },
    });
    await net.jiangsu.send();
    await net.beijing.pull();
    expect((await net.beijing.exchange.get(bjCounty, notice.caseId)).state).to.equal("problem");
    return notice.caseId;
  };
  const atHub = (caseId: string, path: string, body: unknown, as = net.jiangsu) =>
    as.client.call("POST", `/api/hub/v1/exchange/cases/${caseId}/${path}`, body);

  it("when 江苏 takes back its dispute of 北京's notice, then the notice is 送达 and unanswered at 江苏 (audited with the change), at the hub and at 北京; 江苏 then acknowledges it", async () => {
    const caseId = await aDisputedNotice();
    const dto = await net.jiangsu.exchange.withdrawDispute(jsProvince, caseId, takeBack);
    expect([dto.state, dto.ack]).to.deep.equal(["delivered", null]);
    const audited = await net.jiangsu.conn
      .collection("audit_log")
      .findOne({ action: "exchange.notice.dispute_withdrawn", "target.id": caseId });
    expect(audited?.actor).to.include({ id: jsProvince.id });
    expect(String((audited?.details as { note?: string } | undefined)?.note)).to.contain(takeBack.reason);
    await net.jiangsu.send();
    const held = await hubCase(caseId);
    expect([held?.state, held?.ack]).to.deep.equal(["delivered", null]);
    await net.beijing.pull();
    const atBeijing = await net.beijing.exchange.get(bjCounty, caseId);
    expect([atBeijing.state, atBeijing.ack]).to.deep.equal(["delivered", null]);
    expect(atBeijing.history.at(-1)?.note).to.contain(takeBack.reason);
    // Answered again, as any unanswered notice.
    await net.jiangsu.exchange.answer(jsProvince, caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    expect((await hubCase(caseId))?.state).to.equal("acknowledged");
    await net.beijing.pull();
    expect((await net.beijing.exchange.get(bjCounty, caseId)).state).to.equal("acknowledged");
    expect((await net.jiangsu.exchange.get(jsProvince, caseId)).state).to.equal("acknowledged");
  });

  it("when the notice is no longer disputed (acknowledged, or withdrawn by 北京), then taking back is refused not_disputed or case_ended at 江苏's node and at the hub; 北京 may not take it back", async () => {
    const caseId = await aDisputedNotice();
    const signed = {
      ...takeBack,
      officer: { id: jsProvince.id, name: jsProvince.displayName, divisionCode: "320000" },
    };
    expect(await atHub(caseId, "dispute-withdrawal", signed, net.beijing)).to.have.nested.property(
      "error.code",
      "not_case_recipient",
    );
    await net.jiangsu.exchange.withdrawDispute(jsProvince, caseId, takeBack);
    await net.jiangsu.send();
    // Taken back once: a second is refused at the node; the same message re-sent is answered again.
    expect(await refusalOf(net.jiangsu.exchange.withdrawDispute(jsProvince, caseId, takeBack))).to.include({
      code: "not_disputed",
      status: 409,
    });
    await net.jiangsu.exchange.answer(jsProvince, caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    expect(
      (await atHub(caseId, "dispute-withdrawal", { ...signed, reason: "再次撤回" })).error?.code,
    ).to.equal("not_disputed");

    const ended = await aDisputedNotice();
    await net.beijing.exchange.end(bjCounty, ended, {
      endDate: chinaDate(new Date()),
      reason: "决定书有误，撤回重报",
    });
    await net.beijing.send();
    await net.jiangsu.pull();
    expect(await refusalOf(net.jiangsu.exchange.withdrawDispute(jsProvince, ended, takeBack))).to.include({
      code: "case_ended",
      status: 409,
    });
    expect((await atHub(ended, "dispute-withdrawal", signed)).error?.code).to.equal("case_ended");
  });

  it("when 北京 withdrew the notice before 江苏's taking back reached the hub, then the hub refuses it case_ended and 江苏's copy shows the dispute again, then ended once pulled", async () => {
    const caseId = await aDisputedNotice();
    await net.beijing.exchange.end(bjCounty, caseId, {
      endDate: chinaDate(new Date()),
      reason: "决定书有误，撤回重报",
    });
    await net.beijing.send();
    const dto = await net.jiangsu.exchange.withdrawDispute(jsProvince, caseId, takeBack);
    expect(dto.state).to.equal("delivered");
    await net.jiangsu.send();
    const refused = await net.jiangsu.exchange.get(jsProvince, caseId);
    expect([refused.state, refused.ack?.outcome, refused.refusal?.code]).to.deep.equal([
      "problem",
      "problem",
      "case_ended",
    ]);
    await net.jiangsu.pull();
    expect((await net.jiangsu.exchange.get(jsProvince, caseId)).state).to.equal("ended");
    expect((await hubCase(caseId))?.state).to.equal("ended");
  });

  it("when 江苏's taking back reaches 北京 while 北京's withdrawal of the notice waits to be sent, then the hub refuses the withdrawal and 北京's copy is 送达 and unanswered, as the hub holds it", async () => {
    const caseId = await aDisputedNotice();
    await net.beijing.exchange.end(bjCounty, caseId, {
      endDate: chinaDate(new Date()),
      reason: "决定书有误，撤回重报",
    });
    await net.jiangsu.exchange.withdrawDispute(jsProvince, caseId, takeBack);
    await net.jiangsu.send();
    await net.beijing.pull();
    await net.beijing.send();
    const atBeijing = await net.beijing.exchange.get(bjCounty, caseId);
    expect([atBeijing.state, atBeijing.ack, atBeijing.refusal?.code]).to.deep.equal([
      "delivered",
      null,
      "not_endable",
    ]);
    const held = await hubCase(caseId);
    expect([held?.state, held?.ack]).to.deep.equal(["delivered", null]);
  });
});
