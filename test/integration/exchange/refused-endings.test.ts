import { expect } from "chai";
import { filingOpenKey } from "../../../server/exchange/province-exchange.models.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork } from "./support.js";

/**
 * An ending the hub refuses for good (422 future_date when this province's clock ran ahead of the
 * hub's around Beijing midnight, 422 office_division_invalid) was ended here for good: its open key
 * released and its outgoing entry dead, while the hub kept the filing open and nothing could end it
 * again. It is taken back as a refused answer is: the case as it was, with the hub's reason. And
 * what the sender settles by itself (a refusal on a later pass) is in the audit log like an
 * officer's action.
 */
describe("cross-province exchange: an ending the hub refuses, and refusals on a later pass", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  /** A Beijing date `days` from now. */
  const beijingDay = (days: number) =>
    new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
  const localCase = (caseId: string) =>
    net.beijing.conn.collection("exchange_local_cases").findOne({ caseId });
  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const outgoing = (caseId: string, purpose: string) =>
    net.beijing.conn.collection("exchange_outgoing").find({ caseId, purpose }).sort({ seq: 1 }).toArray();
  const auditOf = (caseId: string) =>
    net.beijing.conn.collection("audit_log").find({ "target.id": caseId }).sort({ seq: 1 }).toArray();

  /** 北京's filing of a 江苏 holder, taken by the hub and delivered to 江苏. */
  async function aDeliveredFiling() {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling({ startDate: beijingDay(-10) }),
    });
    await net.jiangsu.pull();
    await net.beijing.pull();
    return { p, found, caseId: filed.caseId };
  }

  /** Ends the filing as a node whose clock runs a day ahead of the hub's queues it: dated tomorrow by the hub's calendar. */
  async function endAheadOfTheHub(caseId: string) {
    const ended = await net.beijing.exchange.end(bjCounty, caseId, {
      endDate: beijingDay(0),
      reason: "离职",
    });
    expect(ended.state).to.equal("ended");
    await net.beijing.conn
      .collection("exchange_outgoing")
      .updateOne({ caseId, purpose: "end" }, { $set: { "body.endDate": beijingDay(1) } });
  }

  it("when the hub refuses a queued ending 422, then the filing is open again as before with its open key, says why, is audited, and may be ended again", async () => {
    const { p, found, caseId } = await aDeliveredFiling();
    const before = await localCase(caseId);
    expect(before).to.include({ state: "delivered" });
    await endAheadOfTheHub(caseId);
    expect(await localCase(caseId)).to.not.have.property("openKey");

    await net.beijing.send();
    const [refused] = await outgoing(caseId, "end");
    // Settled (so it holds no later entry of the case back) and its key free for the next ending.
    expect(refused).to.include({ status: "done" });
    expect(refused?.key).to.not.equal(`end:${caseId}`);
    const c = await localCase(caseId);
    expect(c).to.deep.include({
      state: "delivered",
      end: null,
      openKey: filingOpenKey(p.idNumber, "110105"),
      refusal: { code: "future_date", message: c?.refusal?.message },
    });
    expect(c?.refusal?.message).to.include("终止日期");
    expect(c?.history.at(-1)).to.include({ state: "delivered", by: "全国中心" });
    expect(c?.history.at(-1)?.note).to.include("终止日期");
    expect(await hubCase(caseId)).to.include({ state: "delivered" });
    const entry = (await auditOf(caseId)).at(-1);
    expect(entry).to.deep.include({ action: "exchange.end_refused", divisionCode: "110105" });
    expect(entry?.actor).to.include({ kind: "system" });
    expect(entry?.details).to.include({ code: "future_date" });

    // The filing holds the person in the division again: a second filing is refused at once.
    const second = await net.beijing.exchange
      .file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() })
      .then(
        () => null,
        (err: { code: string }) => err.code,
      );
    expect(second).to.equal("already_filed");

    const again = await net.beijing.exchange.end(bjCounty, caseId, {
      endDate: beijingDay(0),
      reason: "离职",
    });
    expect(again).to.include({ state: "ended", refusal: null });
    await net.beijing.send();
    expect((await outgoing(caseId, "end")).map((e) => e.status)).to.deep.equal(["done", "done"]);
    expect(await hubCase(caseId)).to.include({ state: "ended" });
    expect(await localCase(caseId)).to.include({ state: "ended" });
  });

  it("when a new filing of the person took the open key before the hub refused the ending, then the ending is still taken back and its note says the key stayed with the new filing", async () => {
    const { p, found, caseId } = await aDeliveredFiling();
    await endAheadOfTheHub(caseId);
    // Filed while the hub cannot be reached: the new filing holds the key, queued behind the ending.
    net.beijing.link.down = true;
    const newer = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    net.beijing.link.down = false;
    expect(await localCase(newer.caseId)).to.include({ openKey: filingOpenKey(p.idNumber, "110105") });

    await net.beijing.send();
    const c = await localCase(caseId);
    expect(c).to.include({ state: "delivered", end: null });
    expect(c).to.not.have.property("openKey");
    expect(c?.refusal).to.include({ code: "future_date" });
    expect(c?.history.at(-1)?.note).to.include("新的备案");
    expect(await hubCase(caseId)).to.include({ state: "delivered" });
  });

  it("when a queued filing is refused on a later send pass, then it reads refused and the audit log records the refusal by the exchange", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    net.beijing.link.down = true;
    const filed = await net.beijing.exchange.file(bjCounty, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    net.beijing.link.down = false;
    expect(filed.state).to.equal("queued");
    // An office the hub does not take (abolished in 2010): refused for good on the next pass.
    await net.beijing.conn
      .collection("exchange_outgoing")
      .updateOne(
        { caseId: filed.caseId, purpose: "submit" },
        { $set: { "body.officer.divisionCode": "110103" } },
      );

    await net.beijing.send();
    expect(await localCase(filed.caseId)).to.include({ state: "refused" });
    const entry = (await auditOf(filed.caseId)).at(-1);
    expect(entry).to.deep.include({ action: "exchange.filing.refused", divisionCode: "110105" });
    expect(entry?.actor).to.include({ kind: "system" });
    expect(entry?.details).to.include({ code: "office_division_invalid" });
  });
});
