import { expect } from "chai";
import { chinaDate } from "../../../server/lib/local-time.js";
import { lookUpAndFile, refusalOf } from "./fixtures-exchange.js";
import { aCertifiedPractitioner, aNotice, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * What becomes of a case the home province disputed (有异议). A filing stays open, filing the
 * person with the sender, until the sender ends it (终止备案), as any open filing. A notice (抄告)
 * was stuck: it could be neither ended nor answered again, so it stayed 有异议 for good. Its sender
 * may now withdraw it (撤回抄告) and, once corrected, report the penalty again as a new notice; a
 * notice not disputed is not withdrawn (the home has it, or counts it, as reported).
 */
describe("cross-province exchange: disputed filings and notices", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");
  const today = chinaDate(new Date());
  const withdrawal = { endDate: today, reason: "处罚决定书文号有误，撤回后更正重报" };

  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const filedWith = async (idNumber: string) =>
    ((await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber }))?.filedWith ??
      []) as string[];
  const dispute = async (caseId: string) => {
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, caseId, {
      outcome: "problem",
      problem: { code: "other", note: "处罚决定书文号与事实不符" },
    });
    await net.jiangsu.send();
    await net.beijing.pull();
  };

  it("when 江苏 disputes 北京's notice, then 北京 withdraws it: ended at the hub and at 江苏, audited, counted in no credit figure; the corrected notice sent again counts", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    // 北京 also files the person: withdrawing the notice must not stop 北京 following the person.
    await lookUpAndFile(net.beijing, bjCounty, p);
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() });
    await dispute(notice.caseId);
    expect((await net.beijing.exchange.get(bjCounty, notice.caseId)).state).to.equal("problem");

    const withdrawn = await net.beijing.exchange.end(bjCounty, notice.caseId, withdrawal);
    expect(withdrawn.state).to.equal("ended");
    await net.beijing.send();
    expect(await hubCase(notice.caseId)).to.include({ state: "ended" });
    expect(await filedWith(p.idNumber)).to.include("110000");
    await net.jiangsu.pull();
    const atHome = await net.jiangsu.exchange.get(jsProvince, notice.caseId);
    expect(atHome).to.deep.include({ state: "ended", end: withdrawal });
    const audited = await net.beijing.conn
      .collection("audit_log")
      .findOne({ action: "exchange.notice.ended", "target.id": notice.caseId });
    expect(audited?.actor).to.include({ id: bjCounty.id });
    expect((await net.jiangsu.exchange.ofPractitioner(jsProvince, p.idNumber)).credit).to.deep.equal({
      notices: 0,
      points: 0,
      fineYuan: 0,
    });
    // Ended, it is over at both ends: neither answered again nor withdrawn twice.
    expect(
      await refusalOf(net.jiangsu.exchange.answer(jsProvince, notice.caseId, { outcome: "acknowledged" })),
    ).to.include({ code: "already_answered" });

    const corrected = await net.beijing.exchange.notify(bjCounty, {
      practitioner: p,
      details: { ...aNotice(), caseNumber: "京交执罚〔2026〕119号" },
    });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, corrected.caseId, { outcome: "acknowledged" });
    expect((await net.jiangsu.exchange.ofPractitioner(jsProvince, p.idNumber)).credit).to.deep.equal({
      notices: 1,
      points: 3,
      fineYuan: 200,
    });
  });

  it("when a notice is not disputed (unanswered or acknowledged), then its withdrawal is refused not_endable, at 北京's node and at the hub", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() });
    expect(await refusalOf(net.beijing.exchange.end(bjCounty, notice.caseId, withdrawal))).to.include({
      code: "not_endable",
      status: 409,
    });
    const direct = () =>
      net.beijing.client.call("POST", `/api/hub/v1/exchange/cases/${notice.caseId}/end`, {
        ...withdrawal,
        officer: { id: bjCounty.id, name: bjCounty.displayName, divisionCode: "110105" },
      });
    const unanswered = await direct();
    expect([unanswered.status, unanswered.error?.code]).to.deep.equal([409, "not_endable"]);
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, notice.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    expect(await refusalOf(net.beijing.exchange.end(bjCounty, notice.caseId, withdrawal))).to.include({
      code: "not_endable",
    });
    const acknowledged = await direct();
    expect([acknowledged.status, acknowledged.error?.code]).to.deep.equal([409, "not_endable"]);
    expect(await hubCase(notice.caseId)).to.include({ state: "acknowledged" });
  });

  it("when 江苏 disputes 北京's filing, then 北京 ends it and no longer follows the person's changes", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const { filed } = await lookUpAndFile(net.beijing, bjCounty, p);
    expect(await filedWith(p.idNumber)).to.include("110000");
    await dispute(filed.caseId);
    await net.beijing.exchange.end(bjCounty, filed.caseId, { endDate: today, reason: "核实后备案信息有误" });
    await net.beijing.send();
    expect(await hubCase(filed.caseId)).to.include({ state: "ended" });
    expect(await filedWith(p.idNumber)).to.not.include("110000");
  });
});
