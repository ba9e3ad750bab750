import { expect } from "chai";
import { getStatusBits } from "../../../server/certificates/index.js";
import * as bitstring from "../../../server/lib/bitstring-status-list.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import { staffAgent } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import {
  aTransferAskedOf,
  aCertificateHolder,
  anAgreedTransfer,
  caseAt,
  certificateAt,
  useTwoProvinces,
} from "./transfers.js";

/**
 * Transfer issuance (转籍换发) refused: what 北京 will not issue on (a source certificate that does not
 * verify, one 江苏 revoked, one whose status the hub cannot vouch for, a transfer not agreed or not its
 * division's), and how 江苏 records an issuance that raced its revocation. transfer-issuance.test.ts
 * has the issuances that go through.
 */
describe("cross-province exchange: issuance on a transfer (转籍换发), hub and two province nodes", function () {
  this.timeout(120_000);
  const net = useTwoProvinces();

  const bjCase = (caseId: string) => caseAt(net.bj, caseId);

  it("when the source certificate that came with the agreement does not verify, then 北京's issuance is refused and nothing is written", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    // A longer validity than 江苏 signed: the record's signature no longer holds.
    await net.beijing.ctx.conn
      .collection("exchange_local_cases")
      .updateOne({ caseId }, { $set: { "ack.certificate.record.validTo": "2040-12-31" } });
    const res = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
    expect(res.status).to.equal(422);
    expect((res.body as { error: { code: string } }).error.code).to.equal("source_certificate_unverified");
    expect(await certificateAt(net.beijing, p.idNumber)).to.equal(null);
    expect((await bjCase(caseId)).issued).to.equal(null);
    expect(
      await net.beijing.ctx.conn
        .collection("exchange_outgoing")
        .countDocuments({ caseId, purpose: "issued" }),
    ).to.equal(0);
    expect((await certificateAt(net.jiangsu, p.idNumber))?.status).to.equal("valid");
  });

  it("when 江苏 revokes the certificate after agreeing to the transfer, then 北京's issuance reads the revocation at the hub and is refused; no valid certificate comes back to life", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    await net.js.agent
      .post(`/api/certificates/${p.idNumber}/revoke`)
      .send({ reason: "违法经营，吊销从业资格" })
      .expect(200);
    // 江苏 pushes its status list on the change: waited for until the hub's copy says revoked.
    const index = (await certificateAt(net.jiangsu, p.idNumber))?.statusIndex as number;
    await eventually(async () => {
      const list = await net.hub.node.ctx.conn
        .collection("hub_status_lists")
        .findOne({ provinceCode: "320000" });
      const payload = list && JSON.parse(Buffer.from(list.document.payload, "base64url").toString("utf8"));
      const decoded = payload && bitstring.decode(payload.encodedList, payload.statusSize);
      return decoded?.ok && getStatusBits(decoded.bits, index) === "revoked";
    });
    const res = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error).to.include({ code: "source_certificate_unverified" });
    expect(res.body.error.message).to.contain("吊销");
    expect(await certificateAt(net.beijing, p.idNumber)).to.equal(null);
    expect((await bjCase(caseId)).issued).to.equal(null);
  });

  it("when the hub holds no current status list of 江苏, then 北京 does not issue on a certificate whose status it cannot know", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    const lists = net.hub.node.ctx.conn.collection("hub_status_lists");
    const held = await lists.findOne({ provinceCode: "320000" });
    await lists.deleteOne({ provinceCode: "320000" });
    try {
      const res = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.code).to.equal("source_status_unknown");
      expect(await certificateAt(net.beijing, p.idNumber)).to.equal(null);
    } finally {
      // Unless 江苏 pushed a newer one meanwhile, its list goes back for the tests after this one.
      if (held && !(await lists.findOne({ provinceCode: "320000" }))) await lists.insertOne(held);
    }
  });
  it("when 江苏 revokes after agreeing and 北京 issues before the hub's copy of 江苏's list shows it, then 江苏 keeps its certificate revoked and, when 北京's notice arrives, records the conflict in its audit log", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    // Nothing of 江苏's reaches the hub meanwhile: its copy of 江苏's list, minutes old, still says valid.
    await net.hub.registry.setStatus("320000", "suspended");
    try {
      await net.js.agent
        .post(`/api/certificates/${p.idNumber}/revoke`)
        .send({ reason: "违法经营，吊销从业资格" })
        .expect(200);
      const issued = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
      expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    } finally {
      await net.hub.registry.setStatus("320000", "active");
    }
    const entry = await eventually(() =>
      net.jiangsu.ctx.conn
        .collection("audit_log")
        .findOne({ action: "certificate.transfer_issued_over_ended", "target.id": p.idNumber }),
    );
    expect(entry.details).to.include({ caseId, status: "revoked", toProvince: "110000" });
    expect(entry.details.reason).to.match(/[\u4e00-\u9fff]/);
    // The notice is applied once and the revocation stands: not superseded, not cancelled.
    await eventually(
      async () => ((await net.js.agent.get(`/api/exchange/cases/${caseId}`)).body as CaseDto).issued,
    );
    expect(await certificateAt(net.jiangsu, p.idNumber)).to.deep.include({
      status: "revoked",
      supersededBy: null,
    });
    expect(
      await net.jiangsu.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "certificate.transfer_issued_over_ended", "target.id": p.idNumber }),
    ).to.equal(1);
  });

  it("when a 北京 officer of another division or a transfer not yet agreed is asked to issue, then it is refused", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await aTransferAskedOf(net.js, net.bj, p);
    const early = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
    expect((early.body as { error: { code: string } }).error.code).to.equal("transfer_not_accepted");
    const county = await staffAgent(net.beijing, { roles: ["officer"], divisionCode: "110105" });
    expect((await county.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({})).status).to.equal(
      404,
    );
    expect(await certificateAt(net.beijing, p.idNumber)).to.equal(null);
  });
});
