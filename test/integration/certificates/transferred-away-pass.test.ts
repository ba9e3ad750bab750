import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { eventually } from "../../helpers/eventually.js";
import {
  aCertificateHolder,
  anAgreedTransfer,
  certificateAt,
  useTwoProvinces,
} from "../exchange/transfers.js";
import { anotherInstance, recordPassResult } from "./support.js";

/**
 * A holder transferred (转籍) from 江苏 to 北京 who later passes an exam in 江苏: one certificate per
 * person across provinces (as EUCARIS/RESPER keep one licence per person across states). 江苏's
 * certificate was cancelled on the transfer and 北京 manages the person now, so 江苏 must not
 * re-issue its own: the pass waits, refused loudly, for the officer to act through 北京.
 */
describe("a pass in the province a holder transferred away from", function () {
  this.timeout(120_000);
  const net = useTwoProvinces();

  const hubRecordOf = (provinceCode: string, idNumber: string) =>
    net.hub.node.ctx.conn
      .collection("hub_records")
      .findOne({ sourceProvince: provinceCode, recordId: `cert:${idNumber}` });

  /** 江苏 → 北京 transfer issued by 北京 and 江苏's certificate superseded; the holder. */
  async function aHolderTransferredToBeijing(): Promise<{
    idNumber: string;
    name: string;
    candidateId: string;
  }> {
    const p = await aCertificateHolder(net.hub, net.jiangsu);
    const caseId = await anAgreedTransfer(net.js, net.bj, p, net.hub);
    await net.bj.agent.post(`/api/certificate-transfers/${caseId}/issue`).send({}).expect(201);
    const old = await eventually(async () => {
      const doc = await certificateAt(net.jiangsu, p.idNumber);
      return doc?.status === "cancelled" ? doc : null;
    });
    expect(old.supersededBy).to.include({ provinceCode: "110000", caseId });
    // The cancellation reached the hub: what a re-issue would later change there.
    await eventually(async () => (await hubRecordOf("320000", p.idNumber))?.record?.state === "invalid");
    return { ...p, candidateId: String(old.candidateId) };
  }

  /** The holder passes `categoryCode` in 江苏 (session published); delivered to an automatic-issue instance. */
  async function passesInJiangsu(
    p: { idNumber: string; name: string; candidateId: string },
    categoryCode: string,
  ): Promise<DomainEvents["exam.passed"]> {
    const sessionId = `session-away-${Date.now()}`;
    await net.jiangsu.ctx.conn
      .collection("exam_publications")
      .insertOne({ sessionId, publishedAt: new Date(), publishedBy: "测试经办", report: {} });
    const pass: DomainEvents["exam.passed"] = {
      attemptId: `attempt-away-${Date.now()}`,
      candidateId: p.candidateId,
      idNumber: p.idNumber,
      name: p.name,
      categoryCode,
      sessionId,
      score: 95,
      passMark: 80,
      submittedAt: new Date().toISOString(),
      chainHash: "d4".repeat(32),
      provinceCode: "320000",
    };
    await recordPassResult(net.jiangsu, pass);
    // CERT_AUTO_ISSUE is on: delivering the pass of a published session issues it at once.
    await anotherInstance(net.jiangsu).facade.issuance.onExamPassed(pass);
    return pass;
  }

  it("when a holder transferred to 北京 passes an exam in 江苏, then 江苏 issues nothing, the pass stays pending with the reason, the officer's issue is refused holder_transferred_away naming 北京, and only 北京's certificate is valid", async () => {
    const p = await aHolderTransferredToBeijing();
    const pass = await passesInJiangsu(p, "01001");

    const issuance = await net.jiangsu.ctx.conn
      .collection("certificate_issuances")
      .findOne({ attemptId: pass.attemptId });
    expect(issuance?.status, "the pass is not issued in 江苏").to.equal("pending");
    const mine = await certificateAt(net.jiangsu, p.idNumber);
    expect(mine).to.include({ status: "cancelled", version: 1 });
    expect(mine?.supersededBy).to.include({ provinceCode: "110000" });
    // The officer's list says why the pass waits, before anyone tries to issue it.
    const listed = (await net.js.agent.get("/api/certificate-issuances?status=pending").expect(200)).body as {
      issuances: { id: string; attemptId: string; reason: string | null }[];
    };
    const row = listed.issuances.find((i) => i.attemptId === pass.attemptId);
    expect(row?.reason).to.match(/北京/);

    const tried = await net.js.agent.post(`/api/certificate-issuances/${String(issuance?._id)}/issue`);
    expect(tried.status).to.equal(409);
    const error = (tried.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("holder_transferred_away");
    expect(error.message)
      .to.match(/北京市/)
      .and.match(/转回/)
      .and.match(/增加/);
    expect(
      await net.jiangsu.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "certificate.issued", "target.id": p.idNumber }),
      "only the first issue",
    ).to.equal(1);

    // The officer can still close the pass (驳回) with a reason of their own.
    await net.js.agent
      .post(`/api/certificate-issuances/${String(issuance?._id)}/reject`)
      .send({ reason: "已转籍至北京，告知持证人到北京办理增加类别" })
      .expect(204);

    // 北京's certificate is the one valid certificate of the person, at the hub too.
    expect(await certificateAt(net.beijing, p.idNumber)).to.include({ status: "valid" });
    expect((await hubRecordOf("320000", p.idNumber))?.record).to.include({ state: "invalid" });
    expect(
      await net.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: p.idNumber }),
    ).to.include({ homeProvince: "110000", certificateStatus: "valid" });
  });

  it("when the holder is later transferred back to 江苏 through the exchange, then the pass left pending is issued onto 江苏's new certificate, and its note of why it waited is gone", async () => {
    const p = await aHolderTransferredToBeijing();
    const pass = await passesInJiangsu(p, "01001");
    const pending = await net.jiangsu.ctx.conn
      .collection("certificate_issuances")
      .findOne({ attemptId: pass.attemptId });
    expect(pending).to.include({ status: "pending" });

    // 北京 → 江苏: 北京 agrees, 江苏 issues on the transfer (its certificate valid again, from 北京's).
    const back = await anAgreedTransfer(net.bj, net.js, { idNumber: p.idNumber, name: p.name }, net.hub);
    await net.js.agent.post(`/api/certificate-transfers/${back}/issue`).send({}).expect(201);
    expect(await certificateAt(net.jiangsu, p.idNumber)).to.include({ status: "valid", supersededBy: null });

    const issued = await net.js.agent.post(`/api/certificate-issuances/${String(pending?._id)}/issue`);
    expect(issued.status, JSON.stringify(issued.body)).to.equal(201);
    const record = (issued.body as { record: { categories: { code: string }[] } }).record;
    expect(record.categories.map((c) => c.code)).to.deep.equal(["02001", "01001"]);
    expect(
      await net.jiangsu.ctx.conn.collection("certificate_issuances").findOne({ attemptId: pass.attemptId }),
    ).to.include({ status: "issued", reason: null });
  });
});
