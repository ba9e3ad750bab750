import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  issueError,
  pendingIssuanceOf,
  publishResultsOf,
  startCertNode,
  type TestNode,
} from "./support.js";

/**
 * A handed-in pass voided for misconduct (违纪) before publication used to keep its pending
 * issuance: the officer's list offered it and publication's automatic issue signed a certificate
 * for it. The void's `exam.voided` rejects the issuance; issuing checks the pass itself.
 */
describe("certificate issuance: a pass voided before publication", function () {
  this.timeout(60_000);
  let node: TestNode;
  let autoNode: TestNode;
  before(async () => {
    [node, autoNode] = await Promise.all([startCertNode(), startCertNode({ CERT_AUTO_ISSUE: "true" })]);
  });
  after(async () => Promise.all([node.stop(), autoNode.stop()]));

  /** What the proctor's void leaves: the provisional result gone, the event naming the note. */
  async function voidPass(
    on: TestNode,
    pass: DomainEvents["exam.passed"],
  ): Promise<DomainEvents["exam.voided"]> {
    await on.ctx.conn.collection("exam_results").deleteOne({ attemptId: pass.attemptId, official: false });
    return { pass, note: "考生携带手机，违纪", voidedAt: new Date().toISOString() };
  }

  it("when a pending pass is voided, then its issuance is rejected with the note and audited once, and publication issues nothing", async () => {
    const inst = anotherInstance(autoNode);
    const pass = await aPass(autoNode, "01001", { published: false });
    await pendingIssuanceOf(inst, pass);
    const voided = await voidPass(autoNode, pass);
    await inst.facade.issuance.onExamVoided(voided);
    await inst.facade.issuance.onExamVoided(voided); // a repeated delivery changes nothing
    const db = autoNode.ctx.conn;
    const issuance = await db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId });
    expect(issuance).to.include({ status: "rejected", decidedBy: "系统" });
    expect(issuance?.reason).to.contain("考生携带手机，违纪");
    expect(
      await db
        .collection("audit_log")
        .countDocuments({ action: "certificate.issuance_rejected", "details.attemptId": pass.attemptId }),
    ).to.equal(1);

    await publishResultsOf(autoNode, pass.sessionId);
    await inst.facade.issuance.onResultsPublished(pass.sessionId);
    expect(await db.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(0);
    expect(await db.collection("certificate_issuances").findOne({ attemptId: pass.attemptId })).to.include({
      status: "rejected",
    });
  });

  it("when the void's event has not arrived and the session is published, then issuing is refused pass_voided and nothing is written", async () => {
    const inst = anotherInstance(node);
    const pass = await aPass(node, "01001", { published: false });
    const id = await pendingIssuanceOf(inst, pass);
    await voidPass(node, pass);
    await publishResultsOf(node, pass.sessionId);
    expect(await issueError(inst, id)).to.have.property("code", "pass_voided");
    // Still pending (the void's event will reject it), and nothing signed, audited or sent.
    await expectNothingIssued(node, pass);
  });

  it("when the void is delivered before the pass it voids, then the pass arriving later opens no pending issuance and publication issues nothing", async () => {
    const inst = anotherInstance(autoNode);
    const pass = await aPass(autoNode, "01001", { published: false });
    const voided = await voidPass(autoNode, pass);
    // The pass's delivery failed once and waits for its retry; the void's is due at once.
    await inst.facade.issuance.onExamVoided(voided);
    await inst.facade.issuance.onExamPassed(pass);
    const db = autoNode.ctx.conn;
    const issuances = await db
      .collection("certificate_issuances")
      .find({ attemptId: pass.attemptId })
      .toArray();
    expect(issuances).to.have.length(1);
    expect(issuances[0]).to.include({ status: "rejected", idNumber: pass.idNumber });
    expect(issuances[0]?.reason).to.contain("考生携带手机，违纪");
    expect(
      await db
        .collection("audit_log")
        .countDocuments({ action: "certificate.issuance_rejected", "details.attemptId": pass.attemptId }),
    ).to.equal(1);
    await publishResultsOf(autoNode, pass.sessionId);
    await inst.facade.issuance.onResultsPublished(pass.sessionId);
    expect(await db.collection("certificates").countDocuments({ certificateNo: pass.idNumber })).to.equal(0);
  });
});
