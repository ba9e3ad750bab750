import { expect } from "chai";
import type { CaseReceipt } from "../../../server/contracts/exchange.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork, type TestProvince } from "./support.js";

/**
 * The office a message names (its officer's division, an issuing authority's) is the signer's own:
 * a current GB/T 2260 division of the signing province. A filing's one-open-case rule is kept per
 * filing division, so a division made up (999999), out of date (110103 崇文区, merged in 2010) or
 * another province's (320102) opened as many filings of one person as the sender liked, each
 * appearing to come from another office.
 */
describe("cross-province exchange: the offices a province names are its own, current divisions", () => {
  const net = useExchangeNetwork();
  const bjCounty = anOfficer("110105", "朝阳区业务员");
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  /** Not the signer's own current division: made up, abolished, another province's, the ministry's. */
  const strangers = { beijing: ["999999", "119999", "110103", "320102", "000000"], jiangsu: ["999999", "329999", "320103", "110105", "000000"] };

  const counts = async () => ({
    hubCases: await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments(),
    hubInbox: await net.hub.node.ctx.conn.collection("exchange_inbox").countDocuments(),
    hubPointers: await net.hub.node.ctx.conn.collection("hub_practitioners").find({}, { projection: { _id: 0 } }).toArray(),
  });
  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId }, { projection: { _id: 0 } });
  const officer = (divisionCode: string) => ({ id: "officer-1", name: "某业务员", divisionCode });

  /** Posts straight to the hub as `from`'s node; returns status and error code. */
  async function post(from: TestProvince, path: string, body: unknown) {
    const answer = await from.client.call<CaseReceipt>("POST", `/api/hub/v1/exchange${path}`, body);
    return { status: answer.status, code: answer.error?.code ?? null };
  }

  /** A filing of a 江苏 holder by 北京's county office, delivered to 江苏. */
  async function aDeliveredFiling(): Promise<string> {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filed = await net.beijing.exchange.file(bjCounty, { lookupId: found.lookupId, practitioner: p, details: aFiling() });
    await net.jiangsu.pull();
    return filed.caseId;
  }

  it("when 北京 files a person naming an office that is not a current division of 北京, then each filing is refused office_division_invalid and nothing is written; its own offices may file", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu);
    const found = await net.beijing.lookup(bjCounty, p.idNumber);
    const filing = (n: number, divisionCode: string) => ({
      caseId: `office-${n}-${p.idNumber}`,
      kind: "filing",
      lookupId: found.lookupId,
      practitioner: p,
      officer: officer(divisionCode),
      details: aFiling(),
    });
    const before = await counts();
    for (const [n, divisionCode] of strangers.beijing.entries())
      expect(await post(net.beijing, "/cases", filing(n, divisionCode)), divisionCode).to.deep.equal({ status: 422, code: "office_division_invalid" });
    expect(await counts()).to.deep.equal(before);
    expect(await post(net.beijing, "/cases", filing(10, "110105"))).to.deep.include({ status: 200 });
  });

  it("when 江苏 answers naming an office that is not a current division of 江苏, then the answer is refused office_division_invalid and the case is unchanged; its own office may answer", async () => {
    const caseId = await aDeliveredFiling();
    const before = await hubCase(caseId);
    for (const divisionCode of strangers.jiangsu)
      expect(await post(net.jiangsu, `/cases/${caseId}/answer`, { outcome: "acknowledged", officer: officer(divisionCode) }), divisionCode).to.deep.equal({ status: 422, code: "office_division_invalid" });
    expect(await hubCase(caseId)).to.deep.equal(before);
    expect(await post(net.jiangsu, `/cases/${caseId}/answer`, { outcome: "acknowledged", officer: officer("320102") })).to.deep.include({ status: 200 });
  });

  it("when 北京 ends its filing naming an office that is not a current division of 北京, then the ending is refused office_division_invalid and the case stays open", async () => {
    const caseId = await aDeliveredFiling();
    const before = await hubCase(caseId);
    for (const divisionCode of strangers.beijing)
      expect(await post(net.beijing, `/cases/${caseId}/end`, { endDate: "2026-12-05", reason: "离职", officer: officer(divisionCode) }), divisionCode).to.deep.equal({ status: 422, code: "office_division_invalid" });
    expect(await hubCase(caseId)).to.deep.equal(before);
    expect(await post(net.beijing, `/cases/${caseId}/end`, { endDate: "2026-12-05", reason: "离职", officer: officer("110105") })).to.deep.include({ status: 200 });
  });

  it("when 北京 reports a transfer issued by an authority or an officer that is not a current division of 北京, then the report is refused office_division_invalid and the transfer is not issued", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈换发" });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, { lookupId: found.lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, transfer.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    const issued = (authority: string, by: string) => ({
      certificateNo: p.idNumber,
      version: 1,
      serial: "BJ-2026-000777",
      issuedAt: new Date().toISOString(),
      issuingAuthority: { divisionCode: authority, name: "北京市交通委员会" },
      officer: officer(by),
    });
    const before = await hubCase(transfer.caseId);
    expect(before).to.include({ state: "acknowledged", issued: null });
    for (const divisionCode of strangers.beijing) {
      expect(await post(net.beijing, `/cases/${transfer.caseId}/issued`, issued(divisionCode, "110000")), `authority ${divisionCode}`).to.deep.equal({ status: 422, code: "office_division_invalid" });
      expect(await post(net.beijing, `/cases/${transfer.caseId}/issued`, issued("110000", divisionCode)), `officer ${divisionCode}`).to.deep.equal({ status: 422, code: "office_division_invalid" });
    }
    expect(await hubCase(transfer.caseId)).to.deep.equal(before);
    expect(await post(net.beijing, `/cases/${transfer.caseId}/issued`, issued("110000", "110105"))).to.deep.include({ status: 200 });
  });
});
