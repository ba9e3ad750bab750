import { expect } from "chai";
import type { CertificateRecord } from "../../../server/contracts/certificates.js";
import type { CaseDto } from "../../../server/contracts/exchange.js";
import type { LookupAnswer } from "../../../server/contracts/hub.js";
import type { AuthedAgent } from "../../helpers/auth.js";
import { eventually } from "../../helpers/eventually.js";
import { type aProvinceOfHub, type TestHub } from "../hub/support.js";
import { aFiling } from "./support.js";
import {
  aCertificateHolder,
  aLegacyRegisterHolder,
  anAgreedTransfer,
  certificateAt,
  useTwoProvinces,
} from "./transfers.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * Holders who do not drive (押运人员 03003, 装卸管理人员 03002) across the real network: their
 * certificate names no licence, and so do the hub's record, the transfer and the filing; a
 * driver's still must.
 */
describe("cross-province exchange: holders without a driving licence, hub and two province nodes", function () {
  this.timeout(120_000);
  let hub: TestHub, jiangsu: Node, beijing: Node, js: AuthedAgent, bj: AuthedAgent;
  useTwoProvinces((net) => ({ hub, jiangsu, beijing, js, bj } = net));

  const bjCase = async (caseId: string) =>
    (await bj.agent.get(`/api/exchange/cases/${caseId}`).expect(200)).body as CaseDto;
  const issue = (caseId: string, body: object) =>
    bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send(body);

  it("when 江苏 certifies an escort who has no licence and agrees to a transfer, then the hub takes the record, and 北京 verifies it and issues a certificate that names no licence either", async () => {
    const p = await aCertificateHolder(hub, jiangsu, "03003", { withoutLicence: true });
    expect((await certificateAt(jiangsu, p.idNumber))?.holder).not.to.have.any.keys(
      "licenceClass",
      "licenceFirstIssuedOn",
    );
    const caseId = await anAgreedTransfer(js, bj, p, hub);
    expect((await bjCase(caseId)).sourceCertificate).to.deep.include({
      basis: "signed_certificate",
      categories: ["03003"],
    });

    const issued = await issue(caseId, {});
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const record = (issued.body as { record: CertificateRecord }).record;
    expect(record).to.include({ provinceCode: "110000", certificateNo: p.idNumber });
    expect(record.holder).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");
    expect(record.categories.map((c) => c.code)).to.deep.equal(["03003"]);
    const qr = ((await certificateAt(beijing, p.idNumber))?.signature as { qr: string }).qr;
    expect((await bj.agent.post("/api/certificates/verify").send({ text: qr }).expect(200)).body).to.include({
      ok: true,
      code: "valid",
    });
  });

  it("when a legacy register escort is transferred, then 北京 issues with the address alone; a legacy freight driver given no licence is refused naming the licence fields and nothing is written", async () => {
    const escort = await aLegacyRegisterHolder(js, { name: "孙押运", categoryCode: "03003" });
    const escortCase = await anAgreedTransfer(js, bj, { idNumber: escort.idNumber, name: "孙押运" }, hub);
    const bare = await issue(escortCase, {});
    expect(bare.status).to.equal(422);
    expect(bare.body.error).to.deep.include({
      code: "holder_details_required",
      details: { fields: ["addressDivisionCode"] },
    });
    const issued = await issue(escortCase, { holder: { addressDivisionCode: "110105" } });
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const record = (issued.body as { record: CertificateRecord }).record;
    expect(record.holder).to.include({ addressDivisionCode: "110105" });
    expect(record.holder).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");

    const driver = await aLegacyRegisterHolder(js, { name: "周货运" });
    const driverCase = await anAgreedTransfer(js, bj, { idNumber: driver.idNumber, name: "周货运" }, hub);
    const refused = await issue(driverCase, { holder: { addressDivisionCode: "110105" } });
    expect(refused.status).to.equal(422);
    expect(refused.body.error).to.deep.include({
      code: "holder_details_required",
      details: { fields: ["licenceClass", "licenceFirstIssuedOn"] },
    });
    expect(refused.body.error.message).to.contain("驾驶证");
    expect(await certificateAt(beijing, driver.idNumber)).to.equal(null);
  });

  it("when 北京 files an escort without a licence, then 江苏 receives the filing with none; a driver category's filing without one is refused naming the licence", async () => {
    const p = await aCertificateHolder(hub, jiangsu, "03003", { withoutLicence: true });
    const found = await bj.agent
      .post("/api/sharing/lookups")
      .send({
        query: { by: "id_number", idNumber: p.idNumber },
        reason: "filing",
        caseReference: "京备 2026-9",
      })
      .expect(200);
    const lookupId = (found.body as LookupAnswer).lookupId;
    const { licence: _none, ...withoutLicence } = aFiling();

    const driver = await bj.agent
      .post("/api/exchange/filings")
      .send({ lookupId, practitioner: p, details: { ...withoutLicence, categoryCode: "02001" } });
    expect(driver.status).to.equal(400);
    expect(driver.body.error.code).to.equal("validation_failed");
    expect(JSON.stringify(driver.body.error.details)).to.contain("details.licence");
    expect(driver.body.error.message).to.contain("驾驶证");

    const filed = await bj.agent
      .post("/api/exchange/filings")
      .send({ lookupId, practitioner: p, details: { ...withoutLicence, categoryCode: "03003" } });
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    const caseId = (filed.body as CaseDto).caseId;
    const received = await eventually(async () => {
      const res = await js.agent.get(`/api/exchange/cases/${caseId}`);
      return res.status === 200 ? (res.body as CaseDto) : null;
    });
    expect(received.details).to.include({ categoryCode: "03003" });
    expect(received.details).not.to.have.property("licence");
  });
});
