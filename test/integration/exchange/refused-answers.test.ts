import { expect } from "chai";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * An answer the hub refuses is taken back at the home province: the case reads as the hub holds it.
 * Taken back only from the state the answer set: the refusal may come after a pulled message moved
 * the case on (the sender ended it), and moving that case back left it open at home for good. (An
 * answer refused while the case is as it left it is taken back: transfer-withdrawal.test.ts.)
 */
describe("cross-province exchange: an answer the hub refuses", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");

  const localCase = (caseId: string) => net.jiangsu.conn.collection("exchange_local_cases").findOne({ caseId });
  const answerEntry = (caseId: string) => net.jiangsu.conn.collection("exchange_outgoing").findOne({ caseId, purpose: "answer" });

  it("when 北京 ends its filing while 江苏's answer waits to be sent and 江苏 pulls the ending first, then the refused answer leaves the case ended, unanswered, and says why", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const { caseId } = await net.beijing.exchange.file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    await net.jiangsu.pull();
    // 江苏's answer is queued (its sender has not run yet) when 北京 ends the filing.
    await net.jiangsu.exchange.answer(jsProvince, caseId, { outcome: "acknowledged" });
    await net.beijing.exchange.end(bjCounty, caseId, { endDate: "2026-12-05", reason: "离职" });
    await net.beijing.send();
    await net.jiangsu.pull();
    expect(await localCase(caseId)).to.include({ state: "ended" });

    await net.jiangsu.send();
    expect(await answerEntry(caseId)).to.include({ status: "done" });
    const c = await localCase(caseId);
    expect(c).to.deep.include({ state: "ended", ack: null, refusal: { code: "case_ended", message: "该事项已终止" } });
    expect(c?.history.at(-1)).to.include({ state: "ended", by: "全国中心", note: "该事项已终止" });
    // Taken back by the sender, no officer acting: in the audit log all the same.
    const audited = await net.jiangsu.conn.collection("audit_log").find({ "target.id": caseId }).sort({ seq: 1 }).toArray();
    expect(audited.at(-1)).to.deep.include({ action: "exchange.answer_refused", divisionCode: c?.division });
    expect(audited.at(-1)?.actor).to.include({ kind: "system" });
    expect(await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId })).to.include({ state: "ended", ack: null });
    const again = await net.jiangsu.exchange.answer(jsProvince, caseId, { outcome: "acknowledged" }).then(
      () => null,
      (err: unknown) => err as { code: string },
    );
    expect(again).to.include({ code: "already_answered" });
  });
});
