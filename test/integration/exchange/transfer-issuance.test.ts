import { expect } from "chai";
import { getStatusBits, loadStatusList } from "../../../server/certificates/index.js";
import { TrustListBody, type CertificateRecord } from "../../../server/contracts/certificates.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import { eventually } from "../../helpers/eventually.js";
import {
  aCertificateHolder,
  aLegacyRegisterHolder,
  anAgreedTransfer,
  caseAt,
  certificateAt,
  useTwoProvinces,
} from "./transfers.js";

/**
 * Transfer issuance (转籍换发) across the real network: hub, 江苏 and 北京 as whole nodes, each with
 * its own database. 北京 issues its own certificate from 江苏's, verified by 江苏's signatures on the
 * hub's national trust list; 江苏's is superseded once 北京's issuance notice reaches it.
 */
describe("cross-province exchange: issuance on a transfer (转籍换发), hub and two province nodes", function () {
  this.timeout(120_000);
  const net = useTwoProvinces();

  const hubPointer = (idNumber: string) =>
    net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
  const bjCase = (caseId: string) => caseAt(net.bj, caseId);

  it("when 江苏 agrees to a transfer and 北京's officer issues on it, then 北京's certificate carries its provenance, is published with the pointer at 北京, and 江苏's is superseded through the exchange", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    // The agreement brought 江苏's signed certificate; 江苏's stays valid until 北京 has issued.
    expect((await bjCase(caseId)).sourceCertificate).to.include({
      provinceCode: "320000",
      certificateNo: p.idNumber,
      version: 1,
    });
    expect((await certificateAt(net.jiangsu, p.idNumber))?.status).to.equal("valid");

    const issued = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const record = (issued.body as { record: CertificateRecord }).record;
    expect(record).to.include({
      provinceCode: "110000",
      certificateNo: p.idNumber,
      version: 1,
      status: "valid",
    });
    expect(record.holder.name).to.equal(p.name);
    expect(record.categories.map((c) => c.code)).to.deep.equal(["02001"]);
    expect(record.transferredFrom).to.include({
      provinceCode: "320000",
      certificateNo: p.idNumber,
      version: 1,
      caseId,
    });
    // The new certificate verifies like any other of 北京's.
    const qr = ((await certificateAt(net.beijing, p.idNumber))?.signature as { qr: string }).qr;
    expect(
      (await net.bj.agent.post("/api/certificates/verify").send({ text: qr }).expect(200)).body,
    ).to.include({
      ok: true,
      code: "valid",
    });

    // Exactly once: a second issuance is refused and writes nothing.
    const again = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
    expect(again.status).to.equal(409);
    expect((again.body as { error: { code: string } }).error.code).to.equal("already_issued");
    expect(
      await net.beijing.ctx.conn.collection("certificates").countDocuments({ certificateNo: p.idNumber }),
    ).to.equal(1);
    const audited = await net.beijing.ctx.conn
      .collection("audit_log")
      .find({ action: "certificate.issued", "target.id": p.idNumber })
      .toArray();
    expect(audited.map((a) => (a.details as { kind: string; caseId: string }).kind)).to.deep.equal([
      "transfer",
    ]);
    expect(audited[0]?.details).to.include({ caseId, fromProvince: "320000" });

    // Published to the hub under 北京, with its provenance; the pointer speaks for 北京.
    const atHub = await eventually(() =>
      net.hub.node.ctx.conn
        .collection("hub_records")
        .findOne({ sourceProvince: "110000", recordId: `cert:${p.idNumber}` }),
    );
    expect((atHub.record as { transferredFrom?: unknown }).transferredFrom).to.deep.equal({
      sourceProvince: "320000",
      certificateNumber: p.idNumber,
      caseId,
    });
    expect(await hubPointer(p.idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });

    // 江苏 learns of it through the exchange and supersedes its own certificate, once.
    const old = await eventually(async () => {
      const doc = await certificateAt(net.jiangsu, p.idNumber);
      return doc?.status === "cancelled" ? doc : null;
    });
    expect(old.supersededBy).to.include({ provinceCode: "110000", certificateNo: p.idNumber, caseId });
    expect(old.statusReason).to.match(/^转籍：已由北京市换发新证/);
    const inJiangsu = (await net.js.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto;
    expect(inJiangsu.issued).to.include({ certificateNo: p.idNumber, serial: record.serial });
    expect(
      await net.jiangsu.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "certificate.cancelled", "target.id": p.idNumber }),
    ).to.equal(1);
    // 江苏's cancellation reaches the hub too, and the pointer stays with 北京's valid certificate.
    await eventually(
      async () =>
        (
          await net.hub.node.ctx.conn
            .collection("hub_records")
            .findOne({ sourceProvince: "320000", recordId: `cert:${p.idNumber}` })
        )?.record?.state === "invalid",
    );
    expect(await hubPointer(p.idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });
  });

  it("when 江苏 agrees to the transfer of a holder from its legacy register (no signed certificate at its node), then 北京 issues from the hub's record once the officer gives the holder's licence facts, and the pointer and provenance say so", async () => {
    // 江苏 joined the hub with its old register: the hub holds the record, 江苏's node no certificate.
    const { idNumber } = await aLegacyRegisterHolder(net.js);
    const p = { idNumber, name: "李历史" };
    expect(await certificateAt(net.jiangsu, idNumber)).to.equal(null);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    // The hub sent its record of 江苏's certificate with the agreement.
    expect((await bjCase(caseId)).sourceCertificate).to.include({
      provinceCode: "320000",
      certificateNo: idNumber,
      basis: "hub_record",
    });

    // The record lacks the holder's licence facts: the officer must give them.
    const bare = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({});
    expect(bare.status).to.equal(422);
    expect((bare.body as { error: { code: string } }).error.code).to.equal("holder_details_required");
    expect(await certificateAt(net.beijing, idNumber)).to.equal(null);

    const holder = { addressDivisionCode: "110105", licenceClass: "A2", licenceFirstIssuedOn: "2012-05-01" };
    const issued = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({ holder });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const record = (issued.body as { record: CertificateRecord }).record;
    expect(record).to.include({
      provinceCode: "110000",
      certificateNo: idNumber,
      status: "valid",
      validTo: "2030-02-28",
      firstIssuedOn: "2015-03-01",
    });
    expect(record.holder).to.include({ name: "李历史", licenceClass: "A2", addressDivisionCode: "110105" });
    expect(record.categories.map((c) => c.code)).to.deep.equal(["02001"]);
    expect(record.transferredFrom).to.include({
      provinceCode: "320000",
      certificateNo: idNumber,
      caseId,
      kid: "hub",
      basis: "hub_record",
    });
    const qr = ((await certificateAt(net.beijing, idNumber))?.signature as { qr: string }).qr;
    expect(
      (await net.bj.agent.post("/api/certificates/verify").send({ text: qr }).expect(200)).body,
    ).to.include({
      ok: true,
      code: "valid",
    });
    // Once only.
    const again = await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({ holder });
    expect((again.body as { error: { code: string } }).error.code).to.equal("already_issued");
    // Published to the hub under 北京 with the pointer there; 江苏 learns of the issuance on its case.
    await eventually(() =>
      net.hub.node.ctx.conn
        .collection("hub_records")
        .findOne({ sourceProvince: "110000", recordId: `cert:${idNumber}` }),
    );
    expect(await hubPointer(idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });
    await eventually(
      async () =>
        ((await net.js.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto).issued !==
        null,
    );
  });

  it("when a transfer to 北京 was issued, then the person can be transferred back to 江苏, which issues its cancelled certificate again as its next version", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({}).expect(201);
    await eventually(
      async () =>
        (await hubPointer(p.idNumber))?.homeProvince === "110000" &&
        (await hubPointer(p.idNumber))?.certificateStatus === "valid",
    );

    const back = await anAgreedTransfer(net.bj, net.js, p, net.hub);
    expect(back).to.not.equal(caseId);
    expect(await hubPointer(p.idNumber)).to.include({ homeProvince: "320000" });

    // 江苏 issues again: its own certificate, cancelled (转籍) when the person left, becomes valid
    // as its next version, and the hub takes it (a version 1 would have been stale there).
    await eventually(async () => (await certificateAt(net.jiangsu, p.idNumber))?.status === "cancelled");
    const again = await net.js.agent.post(`/api/certificate-transfers/${back}/issue`).send({});
    expect(again.status, JSON.stringify(again.body)).to.equal(201);
    expect((again.body as { record: CertificateRecord }).record).to.include({
      provinceCode: "320000",
      version: 2,
      status: "valid",
    });
    const mine = await certificateAt(net.jiangsu, p.idNumber);
    expect(mine).to.deep.include({ status: "valid", supersededBy: null });
    expect(mine?.transferredFrom).to.include({ provinceCode: "110000", caseId: back });
    expect(mine?.statusHistory.map((e: { to: string }) => e.to)).to.deep.equal(["cancelled", "valid"]);
    // The history names the province, not its code.
    expect(mine?.statusHistory.at(-1)?.reason).to.equal("转籍转回：由北京市道路运输管理机构转回本省");
    await eventually(async () => (await certificateAt(net.beijing, p.idNumber))?.status === "cancelled");
    const pointer = await eventually(async () => {
      const doc = await hubPointer(p.idNumber);
      return doc?.certificateStatus === "valid" && doc.homeProvince === "320000" ? doc : null;
    });
    expect(pointer).to.include({ homeProvince: "320000", certificateStatus: "valid" });
  });

  it("when 北京 issues on the transfer of a legacy register holder, then 江苏 cancels its register entry at the hub once, through the collection interface, and the pointer stays with 北京's valid certificate", async () => {
    const { idNumber, name } = await aLegacyRegisterHolder(net.js, { name: "王旧档" });
    const p = { idNumber, name };
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    const holder = { addressDivisionCode: "110105", licenceClass: "A2", licenceFirstIssuedOn: "2012-05-01" };
    await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({ holder }).expect(201);
    const entry = () =>
      net.hub.node.ctx.conn
        .collection("hub_records")
        .findOne({ sourceProvince: "320000", recordId: `legacy:${p.idNumber}` });
    // 江苏's register entry, published valid, is now cancelled (转籍) by 江苏 itself: a new version.
    const cancelled = await eventually(async () => {
      const doc = await entry();
      return doc?.record?.state === "invalid" ? doc : null;
    });
    expect(cancelled.version).to.equal(2);
    expect(cancelled.record).to.deep.include({ operation: "update", state: "invalid" });
    expect(cancelled.record.certificate).to.include({ certificateNumber: p.idNumber, status: "cancelled" });
    // Exactly once: the entry's two versions and the one move of the pointer are all the hub changed.
    await eventually(async () => (await hubPointer(p.idNumber))?.certificateStatus === "valid");
    expect(await hubPointer(p.idNumber)).to.include({ homeProvince: "110000", certificateStatus: "valid" });
    const changes = net.hub.node.ctx.conn.collection("hub_changes");
    expect(await changes.countDocuments({ recordId: `legacy:${p.idNumber}` })).to.equal(2);
    expect(await changes.countDocuments({ recordId: `transfer:${caseId}` })).to.equal(1);
    // 江苏 wrote it once, audited, and has no certificate of the person to cancel.
    expect(
      await net.jiangsu.ctx.conn
        .collection("outbox")
        .countDocuments({ name: "register.entry_cancelled", subject: p.idNumber }),
    ).to.equal(1);
    const audited = await net.jiangsu.ctx.conn
      .collection("audit_log")
      .find({ action: "hub.legacy_register_entry_cancelled", "target.id": `legacy:${p.idNumber}` })
      .toArray();
    expect(audited).to.have.length(1);
    expect(audited[0]?.details).to.include({ caseId, toProvince: "110000", version: 2 });
    expect(await certificateAt(net.jiangsu, p.idNumber)).to.equal(null);
    // A register re-published later does not bring the entry back (version 1 is stale now).
    const again = await aLegacyRegisterHolder(net.js, p);
    expect(again.published).to.include({ accepted: 0, stale: 1 });
    expect((await entry())?.record).to.include({ state: "invalid" });
  });

  /** 江苏's status list as the hub serves it to every verifier, checked with 江苏's keys on the national trust list. */
  async function jiangsuListAtHub() {
    const trust = (await (await fetch(`${net.hub.node.url}/api/hub/v1/trust-list`)).json()) as {
      payload: string;
    };
    const keys = TrustListBody.parse(
      JSON.parse(Buffer.from(trust.payload, "base64url").toString("utf8")),
    ).keys.filter((k) => k.provinceCode === "320000");
    const res = await fetch(`${net.hub.node.url}/api/hub/v1/status-lists/320000`);
    return res.ok ? loadStatusList(await res.json(), keys) : null;
  }

  it("when a holder transferred to 北京 comes back and 江苏 issues again, then the new version has a new status index and the card they held before leaving reads cancelled on 江苏's list everywhere", async () => {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const before = await certificateAt(net.jiangsu, p.idNumber);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({}).expect(201);
    await eventually(async () => (await hubPointer(p.idNumber))?.homeProvince === "110000");
    const back = await anAgreedTransfer(net.bj, net.js, p, net.hub);
    await eventually(async () => (await certificateAt(net.jiangsu, p.idNumber))?.status === "cancelled");
    await net.js.agent.post(`/api/certificate-transfers/${back}/issue`).send({}).expect(201);

    const mine = await certificateAt(net.jiangsu, p.idNumber);
    expect(mine).to.include({ status: "valid", version: 2 });
    const oldIndex = before?.statusIndex as number;
    expect(mine?.statusIndex).to.not.equal(oldIndex);
    expect(
      await net.jiangsu.ctx.conn.collection("certificate_status_slots").findOne({ statusIndex: oldIndex }),
    ).to.include({ retired: true, retiredStatus: "cancelled", lastVersion: 1 });
    // The hub's copy, which verifiers anywhere read: the old card cancelled, the new one valid.
    const list = await eventually(async () => {
      const l = await jiangsuListAtHub();
      return l && getStatusBits(l.bits, oldIndex) === "cancelled" ? l : null;
    });
    expect(getStatusBits(list.bits, mine?.statusIndex as number)).to.equal("valid");
  });
});
