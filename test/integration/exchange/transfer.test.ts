import { expect } from "chai";
import type { CollectionReceipt, LookupAnswer } from "../../../server/contracts/hub.js";
import { aCertificateRecord } from "../hub/support.js";
import { aCertifiedPractitioner, anOfficer, useExchangeNetwork, type TestProvince } from "./support.js";

describe("cross-province exchange: transfer (转籍)", () => {
  /** Whose certificate 江苏 was asked to send with its agreement (this node holds none: a register entry). */
  const asked: string[] = [];
  /** People 江苏's node holds a certificate of that it cannot send, with that certificate's status. */
  const heldUnsendable = new Map<string, "valid" | "revoked">();
  const net = useExchangeNetwork({
    jiangsu: {
      sourceCertificate: (_actor, idNumber) => {
        asked.push(idNumber);
        const status = heldUnsendable.get(idNumber);
        return Promise.resolve(status ? { held: "held", status } : { held: "none" });
      },
    },
  });
  const bjOfficer = anOfficer("110000", "北京市厅业务员");
  const jsOfficer = anOfficer("320000", "江苏省厅业务员");

  const pointer = (idNumber: string) => net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
  const publish = (p: TestProvince, record: unknown) =>
    p.plain.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", { batchId: `t-${Math.random().toString(36).slice(2, 10)}`, records: [record] });

  it("when 江苏 agrees to 北京's transfer, then 江苏 is asked for its certificate, the pointer moves to 北京 exactly once, and both provinces' certificate records are accepted", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈转籍" });
    const beijingsCertificate = { ...aCertificateRecord({ province: "110000", idNumber: p.idNumber, name: p.name }), issuingDivision: "110000" };
    // Before the transfer 北京 may not write this practitioner's certificate.
    expect((await publish(net.beijing, beijingsCertificate)).body.results[0]?.reasons[0]?.code).to.equal("not_home_province");

    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, { lookupId: found.lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    expect(transfer.state).to.equal("sent");
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, transfer.caseId, { outcome: "acknowledged" });
    expect(asked).to.deep.equal([p.idNumber]);
    await net.jiangsu.send();
    await net.jiangsu.send();
    await net.beijing.pull();
    expect((await net.beijing.exchange.get(bjOfficer, transfer.caseId)).state).to.equal("acknowledged");
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "110000" });
    expect(await net.hub.node.ctx.conn.collection("hub_changes").countDocuments({ idNumber: p.idNumber, recordType: "transfer" })).to.equal(1);

    // 江苏's cancellation (its own record, next version) and 北京's new certificate both go through the collection interface.
    const jsCancel = { ...aCertificateRecord({ idNumber: p.idNumber, name: p.name, version: 2 }), state: "invalid", certificate: { ...aCertificateRecord({ idNumber: p.idNumber }).certificate!, status: "cancelled" } };
    expect((await publish(net.jiangsu, jsCancel)).body.results[0]?.outcome).to.equal("accepted");
    expect((await publish(net.beijing, beijingsCertificate)).body.results[0]?.outcome).to.equal("accepted");
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });
    // 江苏 can no longer start new records for the person.
    const jsNew = { ...aCertificateRecord({ idNumber: p.idNumber, name: p.name }), recordId: `cert2:${p.idNumber}` };
    expect((await publish(net.jiangsu, jsNew)).body.results[0]?.reasons[0]?.code).to.equal("not_home_province");
    const seen = await net.jiangsu.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", { query: { by: "id_number", idNumber: p.idNumber }, officerId: "x", reason: "enforcement", caseReference: "核验" });
    expect(seen.body.matches[0]).to.include({ homeProvince: "110000", certificateStatus: "valid" });
  });

  it("when 江苏's cancellation after the transfer reaches the hub before 北京's new record, then the practitioner is never shown cancelled: the pointer keeps the valid certificate until 北京's record is in, and a revocation is still applied at once", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈先撤" });
    const transfer = await net.beijing.exchange.transfer(bjOfficer, { lookupId: (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, transfer.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });

    const base = aCertificateRecord({ idNumber: p.idNumber, name: p.name });
    const jsCancel = { ...aCertificateRecord({ idNumber: p.idNumber, name: p.name, version: 2 }), state: "invalid", certificate: { ...base.certificate!, status: "cancelled" } };
    expect((await publish(net.jiangsu, jsCancel)).body.results[0]?.outcome).to.equal("accepted");
    const lookup = () => net.jiangsu.client.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", { query: { by: "id_number", idNumber: p.idNumber }, officerId: "x", reason: "enforcement", caseReference: "核验" });
    expect((await lookup()).body.matches[0]).to.include({ homeProvince: "110000", certificateStatus: "valid" });
    // The cancellation is held and fed like any record (江苏 and the filed provinces learn of it).
    expect(await net.hub.node.ctx.conn.collection("hub_changes").countDocuments({ idNumber: p.idNumber, recordType: "certificate", version: 2 })).to.equal(1);

    const bjBase = aCertificateRecord({ province: "110000", idNumber: p.idNumber, name: p.name });
    const beijingsCertificate = { ...bjBase, issuingDivision: "110000", certificate: { ...bjBase.certificate!, issuingAuthority: "北京市交通委员会", validTo: "2032-12-01" } };
    expect((await publish(net.beijing, beijingsCertificate)).body.results[0]?.outcome).to.equal("accepted");
    expect((await lookup()).body.matches[0]).to.include({ homeProvince: "110000", certificateStatus: "valid" });
    expect(await pointer(p.idNumber)).to.include({ certificateStatus: "valid", validTo: "2032-12-01" });

    // Another practitioner, transferred the same way: 江苏 revokes (吊销) instead, and that shows at once.
    const q = await aCertifiedPractitioner(net.jiangsu, { name: "陈吊销" });
    const t2 = await net.beijing.exchange.transfer(bjOfficer, { lookupId: (await net.beijing.lookup(bjOfficer, q.idNumber)).lookupId, practitioner: q, details: { reason: "户籍迁入北京市" } });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, t2.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    const qBase = aCertificateRecord({ idNumber: q.idNumber, name: q.name });
    const jsRevoke = { ...aCertificateRecord({ idNumber: q.idNumber, name: q.name, version: 2 }), state: "invalid", certificate: { ...qBase.certificate!, status: "revoked" } };
    expect((await publish(net.jiangsu, jsRevoke)).body.results[0]?.outcome).to.equal("accepted");
    expect(await pointer(q.idNumber)).to.include({ homeProvince: "110000", certificateStatus: "revoked" });
  });

  for (const [status, code] of [
    ["revoked", "certificate_not_valid"],
    ["valid", "certificate_out_of_division"],
  ] as const) {
    it(`when 江苏's node holds a ${status} certificate of the person it cannot send, then its agreement is refused ${code}, nothing is written or sent, and the hub's record does not stand in`, async () => {
      const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈不符" });
      heldUnsendable.set(p.idNumber, status);
      const found = await net.beijing.lookup(bjOfficer, p.idNumber);
      const transfer = await net.beijing.exchange.transfer(bjOfficer, { lookupId: found.lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
      await net.jiangsu.pull();
      const refused = await net.jiangsu.exchange.answer(jsOfficer, transfer.caseId, { outcome: "acknowledged" }).then(
        () => null,
        (e: unknown) => e as { code: string; status: number },
      );
      expect(refused).to.include({ code, status: 409 });
      expect(await net.jiangsu.exchange.get(jsOfficer, transfer.caseId)).to.deep.include({ state: "delivered", ack: null });
      expect(await net.jiangsu.conn.collection("exchange_outgoing").countDocuments({ caseId: transfer.caseId })).to.equal(0);
      await net.jiangsu.send();
      const atHub = await net.hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId: transfer.caseId });
      expect(atHub).to.include({ ack: null });
      expect(atHub?.sourceRecord ?? null).to.equal(null);
      expect(await pointer(p.idNumber)).to.include({ homeProvince: "320000" });
    });
  }

  it("when a transfer is answered with a problem, then no certificate is sent and the pointer stays", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈异议" });
    const found = await net.beijing.lookup(bjOfficer, p.idNumber);
    const transfer = await net.beijing.exchange.transfer(bjOfficer, { lookupId: found.lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, transfer.caseId, { outcome: "problem", problem: { code: "identity_mismatch", note: "户籍信息不符" } });
    await net.jiangsu.send();
    expect(asked).to.not.include(p.idNumber);
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "320000" });
  });

  it("when a transfer was answered with a problem, then 北京 may ask again once it is cleared, and the new request reaches 江苏", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈再申" });
    const first = await net.beijing.exchange.transfer(bjOfficer, { lookupId: (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, first.caseId, { outcome: "problem", problem: { code: "identity_mismatch", note: "户籍信息不符" } });
    await net.jiangsu.send();
    // 北京 learns of the problem (its inbox): until then it holds its transfer open itself.
    await net.beijing.pull();

    const again = await net.beijing.exchange.transfer(bjOfficer, { lookupId: (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId, practitioner: p, details: { reason: "户籍迁入北京市（已更正户籍信息）" } });
    expect(again.state).to.equal("sent");
    expect(again.caseId).to.not.equal(first.caseId);
    await net.jiangsu.pull();
    await net.jiangsu.exchange.answer(jsOfficer, again.caseId, { outcome: "acknowledged" });
    await net.jiangsu.send();
    await net.jiangsu.send();
    expect(await pointer(p.idNumber)).to.include({ homeProvince: "110000" });
  });

  it("when a transfer is still waiting for 江苏's answer, then a second transfer of the same person is refused and nothing is written", async () => {
    const p = await aCertifiedPractitioner(net.jiangsu, { name: "陈待复" });
    await net.beijing.exchange.transfer(bjOfficer, { lookupId: (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId, practitioner: p, details: { reason: "户籍迁入北京市" } });
    const cases = async () => [
      await net.hub.node.ctx.conn.collection("exchange_cases").countDocuments({ idNumber: p.idNumber }),
      await net.beijing.conn.collection("exchange_local_cases").countDocuments({ idNumber: p.idNumber }),
      await net.beijing.conn.collection("exchange_outgoing").countDocuments({ caseId: { $exists: true } }),
    ];
    const held = await cases();
    const second = await net.beijing.exchange
      .transfer(bjOfficer, { lookupId: (await net.beijing.lookup(bjOfficer, p.idNumber)).lookupId, practitioner: p, details: { reason: "再次申请" } })
      .then(() => null, (err: { code?: string }) => err.code);
    expect(second).to.equal("transfer_open");
    expect(await cases()).to.deep.equal(held);
  });
});
