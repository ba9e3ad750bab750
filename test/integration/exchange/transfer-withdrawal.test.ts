import { expect } from "chai";
import type { CollectionReceipt } from "../../../server/contracts/hub.js";
import { aCertificateRecord } from "../hub/support.js";
import { aCertifiedPractitioner, aFiling, anOfficer, useExchangeNetwork, type TestProvince } from "./support.js";

/**
 * A transfer that cannot finish: the home agreed and the receiving province never issued (the
 * certificate was revoked meanwhile, the officer changed their mind), or the home holds nothing to
 * issue from. Before, such a case stayed open for good, held the person's one open transfer, and
 * left the hub's pointer at a province that holds no certificate of them.
 */
describe("cross-province exchange: a transfer withdrawn, and an agreement with nothing to issue from", () => {
  const net = useExchangeNetwork({
    // 江苏's node holds no signed certificates here: the hub's record is what 北京 would issue from.
    jiangsu: { sourceCertificate: () => Promise.resolve({ held: "none" }) },
  });
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");
  const pointer = (idNumber: string) =>
    net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
  const hubCase = (caseId: string) => net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId });
  const publish = (p: TestProvince, record: unknown) =>
    p.plain.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `w-${Math.random().toString(36).slice(2, 10)}`,
      records: [record],
    });

  async function aTransferAskedFor(p: { idNumber: string; name: string }) {
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const sent = await net.beijing.exchange.transfer(bjOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: { reason: "户籍迁入北京市" },
    });
    await net.jiangsu.pull();
    return sent.caseId;
  }

  it("when 北京 withdraws a transfer 江苏 agreed to before issuing, then the person is 江苏's again, 江苏 is told, nothing can be issued on it, and 北京 may ask again", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈撤回" });
    const caseId = await aTransferAskedFor(p);
    await net.jiangsu.exchange.answer(jsOfficer, caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "110000" });

    await net.beijing.exchange.end(bjOfficer, caseId, {
      endDate: "2026-12-05",
      reason: "申请人撤回转籍申请",
    });
    await net.beijing.send();
    expect(await hubCase(caseId)).to.include({ state: "ended", issued: null });
    expect(await hubCase(caseId)).to.not.have.property("openKey");
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "320000" });
    expect((await pointer(p.idNumber))?.filedWith).to.not.include("110000");
    await net.jiangsu.pull();
    expect((await net.jiangsu.exchange.get(jsOfficer, caseId)).state).to.equal("ended");
    const issuing = await net.beijing.exchange.acceptedTransfer(bjOfficer, caseId).then(
      () => null,
      (err: { code?: string }) => err.code,
    );
    expect(issuing).to.equal("case_ended");

    const again = await aTransferAskedFor(p);
    expect(again).to.not.equal(caseId);
  });

  it("when a transfer has been issued on, then it cannot be withdrawn", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈已换发" });
    const caseId = await aTransferAskedFor(p);
    await net.jiangsu.exchange.answer(jsOfficer, caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.beijing.pull();
    await net.beijing.conn
      .collection("exchange_local_cases")
      .updateOne({ caseId }, { $set: { issued: { certificateNo: p.idNumber } } });
    const refused = await net.beijing.exchange
      .end(bjOfficer, caseId, { endDate: "2026-12-05", reason: "撤回" })
      .then(
        () => null,
        (err: { code?: string }) => err.code,
      );
    expect(refused).to.equal("already_issued");
  });

  it("when 江苏 agrees to a transfer of a person whose certificate was revoked meanwhile, then the hub refuses the agreement, the pointer stays, and 江苏 can answer again", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈已吊销" });
    const caseId = await aTransferAskedFor(p);
    const base = aCertificateRecord({ idNumber: p.idNumber, name: p.name });
    const revoked = {
      ...aCertificateRecord({ idNumber: p.idNumber, name: p.name, version: 2 }),
      state: "invalid",
      certificate: { ...base.certificate!, status: "revoked" },
    };
    expect((await publish(net.jiangsu, revoked)).body.results[0]?.outcome).to.equal("accepted");

    await net.jiangsu.exchange.answer(jsOfficer, caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    expect(await hubCase(caseId)).to.include({ ack: null });
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "320000" });
    const mine = await net.jiangsu.exchange.get(jsOfficer, caseId);
    expect(mine.state).to.equal("delivered");
    expect(JSON.stringify(mine)).to.contain("no_valid_certificate");

    await net.jiangsu.exchange.answer(jsOfficer, caseId, {
      outcome: "problem",
      problem: { code: "other", note: "证书已吊销，不能转籍" },
    });
    await net.jiangsu.send();
    expect(await hubCase(caseId)).to.include({ state: "problem" });
  });

  it("when the former home files the person after the transfer was issued and ends that filing, then it still receives the person's changes", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈原籍" });
    const caseId = await aTransferAskedFor(p);
    await net.jiangsu.exchange.answer(jsOfficer, caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    const issued = await net.beijing.plain.call("POST", `/api/hub/v1/exchange/cases/${caseId}/issued`, {
      certificateNo: p.idNumber,
      version: 1,
      serial: `${p.idNumber}-01`,
      issuedAt: new Date().toISOString(),
      issuingAuthority: { divisionCode: "110000", name: "北京市交通委员会" },
      officer: { id: "bj-officer", name: "北京市厅业务员", divisionCode: "110000" },
    });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(200);
    expect((await pointer(p.idNumber))?.filedWith).to.include("320000");

    const found = await net.jiangsu.lookup(jsOfficer, p.idNumber);
    const filed = await net.jiangsu.exchange.file(jsOfficer, {
      lookupId: found.lookupId,
      practitioner: p,
      details: aFiling(),
    });
    await net.jiangsu.exchange.end(jsOfficer, filed.caseId, { endDate: "2026-12-05", reason: "离职" });
    await net.jiangsu.send();
    expect(await hubCase(filed.caseId)).to.include({ state: "ended" });
    expect((await pointer(p.idNumber))?.filedWith).to.include("320000");
  });
});
