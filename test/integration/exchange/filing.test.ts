import { expect } from "chai";
import { createHubExchangeService } from "../../../server/exchange/index.js";
import { createHubExchangePort } from "../../../server/hub/index.js";
import { staffAgent } from "../../helpers/auth.js";
import { aCertifiedPractitioner, aFiling, anOfficer, aNotice, useExchangeNetwork } from "./support.js";

describe("cross-province exchange: filing, ending and notice stories", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const jsProvince = anOfficer("320000", "江苏省厅业务员");

  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });

  async function aFiledPractitioner() {
    const p = await aCertifiedPractitioner(net.jiangsu, { issuingDivision: "320100" });
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    return { p, found, filed };
  }

  it("when 北京 finds a 江苏 practitioner with reason filing and files, then 江苏 receives, acknowledges and both show acknowledged", async () => {
    const { found, filed } = await aFiledPractitioner();
    expect(filed).to.include({ state: "sent", toProvince: "320000", division: "110105" });
    expect(await hubCase(filed.caseId)).to.include({ state: "sent", responsibleDivision: "320100", lookupId: found.lookupId });

    expect(await net.jiangsu.pull()).to.equal(1);
    const received = await net.jiangsu.exchange.get(jsProvince, filed.caseId);
    expect(received).to.include({ box: "in", state: "delivered", division: "320100", fromProvince: "110000", lookupId: found.lookupId });
    expect(await hubCase(filed.caseId)).to.include({ state: "delivered" });

    await net.jiangsu.exchange.answer(jsProvince, filed.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    const seenByBeijing = await net.beijing.exchange.get(bjCounty, filed.caseId);
    expect(seenByBeijing.state).to.equal("acknowledged");
    expect(seenByBeijing.ack).to.include({ outcome: "acknowledged", officer: "江苏省厅业务员" });
    expect((await net.jiangsu.exchange.get(jsProvince, filed.caseId)).state).to.equal("acknowledged");
    expect(await hubCase(filed.caseId)).to.include({ state: "acknowledged" });
  });

  it("when 北京 ends an acknowledged filing, then 江苏 is told and both show ended, and the practitioner can be filed again", async () => {
    const { p, filed } = await aFiledPractitioner();
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, filed.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.exchange.end(bjCounty, filed.caseId, { endDate: "2026-12-05", reason: "与用人单位解除劳动合同" });
    await net.beijing.send();
    await net.jiangsu.pull();
    expect(await net.jiangsu.exchange.get(jsProvince, filed.caseId)).to.deep.include({ state: "ended", end: { endDate: "2026-12-05", reason: "与用人单位解除劳动合同" } });
    expect((await net.beijing.exchange.get(bjCounty, filed.caseId)).state).to.equal("ended");
    expect(await hubCase(filed.caseId)).to.include({ state: "ended" });
    const again = await net.beijing.lookup(bjCounty, p.idNumber);
    expect((await net.beijing.exchange.file(bjCounty, { lookupId: again.lookupId, practitioner: p, details: aFiling() })).state).to.equal("sent");
  });

  it("when 江苏 raises a problem with a filing, then 北京 sees the problem and its note", async () => {
    const { filed } = await aFiledPractitioner();
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsProvince, filed.caseId, { outcome: "problem", problem: { code: "identity_mismatch", note: "驾驶证号与本省档案不符" } });
    await net.jiangsu.send();
    await net.beijing.pull();
    const c = await net.beijing.exchange.get(bjCounty, filed.caseId);
    expect(c.state).to.equal("problem");
    expect(c.ack?.problem).to.deep.equal({ code: "identity_mismatch", note: "驾驶证号与本省档案不符" });
  });

  it("when 北京 reports a penalty of a 江苏 practitioner, then 江苏 sees it with case number and points and acknowledges", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const details = aNotice();
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details });
    expect(notice.state).to.equal("sent");
    await net.jiangsu.pull();
    const received = await net.jiangsu.exchange.get(jsProvince, notice.caseId);
    expect(received.details).to.include({ caseNumber: details.caseNumber, points: 3, fineYuan: 200 });
    await net.jiangsu.exchange.answer(jsProvince, notice.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    expect((await net.beijing.exchange.get(bjCounty, notice.caseId)).state).to.equal("acknowledged");
    const mine = await net.jiangsu.exchange.ofPractitioner(jsProvince, p.idNumber);
    expect(mine.cases.map((c) => `${c.kind}:${c.state}`)).to.deep.equal(["notice:acknowledged"]);
    expect(mine.credit).to.deep.equal({ notices: 1, points: 3, fineYuan: 200 });
  });

  it("when a practitioner has more cases and lookups than the page lists, then it says how many there are, and the credit figures still count every notice", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const notice = await net.beijing.exchange.notify(bjCounty, { practitioner: p, details: aNotice() });
    await net.jiangsu.pull();
    const cases = net.jiangsu.conn.collection("exchange_local_cases");
    const received = await cases.findOne({ caseId: notice.caseId, box: "in" });
    if (!received) throw new Error("fixture: the notice did not arrive");
    // 204 more received notices (3 points, 200 yuan each), 5 of them disputed, older than the first.
    const { _id: _first, ...shape } = received;
    await cases.insertMany(
      Array.from({ length: 204 }, (_, i) => ({
        ...shape,
        caseId: `${notice.caseId}-${i}`,
        state: i < 5 ? "problem" : "delivered",
        createdAt: new Date(received.createdAt.getTime() - (i + 1) * 1000),
      })),
    );
    const mine = await net.jiangsu.exchange.ofPractitioner(jsProvince, p.idNumber);
    expect(mine.cases).to.have.length(200);
    expect(mine.casesTotal).to.equal(205);
    expect(mine.credit).to.deep.equal({ notices: 200, points: 600, fineYuan: 40_000 });
  });

  it("when the hub operator (ministry level) lists the network's cases, then every province's cases appear with their state, and an anonymous request is refused", async () => {
    const { filed } = await aFiledPractitioner();
    const operator = await staffAgent(net.hub.node, { roles: ["hub_operator"], divisionCode: "000000" });
    const res = await operator.agent.get("/api/hub/exchange/cases?province=320000&limit=200");
    expect(res.status).to.equal(200);
    expect((res.body as { caseId: string; fromProvince: string }[]).find((c) => c.caseId === filed.caseId)).to.include({ fromProvince: "110000", state: "sent" });
    const anonymous = await fetch(`${net.hub.node.url}/api/hub/exchange/cases`);
    expect(anonymous.status).to.equal(401);
  });

  it("when a case is not answered before its deadline, then the hub escalates it once and both provinces see it overdue, the province level's list too", async () => {
    const { filed } = await aFiledPractitioner();
    await net.jiangsu.pull();
    const exchange = createHubExchangeService(net.hub.node.ctx.conn, { hub: createHubExchangePort(net.hub.node.ctx.conn), ackHours: { filing: 72, transfer: 120, notice: 240 } });
    const later = new Date(Date.now() + 73 * 3_600_000);
    expect(await exchange.sweepOverdue(later)).to.be.greaterThan(0);
    expect(await exchange.sweepOverdue(later)).to.equal(0);
    expect(await hubCase(filed.caseId)).to.include({ overdue: true });
    await net.jiangsu.pull();
    await net.beijing.pull();
    expect(await net.jiangsu.exchange.get(jsProvince, filed.caseId)).to.include({ overdue: true, state: "delivered" });
    expect((await net.beijing.exchange.get(bjCounty, filed.caseId)).overdue).to.equal(true);
    const escalated = await net.jiangsu.exchange.escalations(jsProvince);
    expect(escalated.cases.map((c) => c.caseId)).to.include(filed.caseId);
    expect(escalated.total).to.equal(escalated.cases.length);
    let refused: unknown;
    await net.jiangsu.exchange.escalations(anOfficer("320100")).catch((e: unknown) => (refused = e));
    expect(refused).to.have.property("code", "province_level_only");
  });
});
