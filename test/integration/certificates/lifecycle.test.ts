import { expect } from "chai";
import { outboxModel } from "../../../server/lib/outbox.js";
import { anotherInstance, aPass, officer, startCertNode, type TestNode } from "./support.js";

describe("certificate lifecycle on a node", function () {
  this.timeout(120_000);
  let node: TestNode;
  before(async () => {
    // The tests issue certificates up to six years and 200 days back: the node's keys are older.
    node = await startCertNode({}, { keysMadeAt: new Date(Date.now() - 7 * 365 * 86_400_000) });
  });
  after(async () => node.stop());

  async function issuedAt(at: Date) {
    const inst = anotherInstance(node, () => at);
    await inst.feature.start?.();
    const pass = await aPass(node);
    await inst.facade.issuance.onExamPassed(pass);
    const p = (await inst.facade.issuance.list(officer, "pending")).find(
      (x) => x.attemptId === pass.attemptId,
    )!;
    await inst.facade.issuance.issue(officer, String(p._id));
    return pass.idNumber;
  }

  it("when two instances run the lapse check at once, then a certificate 180 days past expiry is cancelled exactly once, with one status entry and one outbox entry", async () => {
    const longAgo = new Date(Date.now() - (6 * 365 + 200) * 86_400_000);
    const lapsed = await issuedAt(longAgo);
    const current = await issuedAt(new Date());
    const a = anotherInstance(node);
    const b = anotherInstance(node);
    await Promise.all([
      a.facade.lifecycle.cancelLapsed(),
      b.facade.lifecycle.cancelLapsed(),
      a.facade.lifecycle.cancelLapsed(),
    ]);
    const doc = await a.facade.lifecycle.get(officer, lapsed);
    expect(doc.status).to.equal("cancelled");
    expect(doc.statusHistory).to.have.length(1);
    expect(doc.statusHistory[0]).to.deep.include({ from: "valid", to: "cancelled", by: "system" });
    const events = await outboxModel(node.ctx.conn)
      .find({ name: "certificate.status_changed", key: new RegExp(lapsed) })
      .lean();
    expect(events).to.have.length(1);
    expect((await a.facade.lifecycle.get(officer, current)).status).to.equal("valid");
  });

  it("when an officer renews inside the window, then a new version with the next six years is signed; outside the window it is refused", async () => {
    const nearExpiry = await issuedAt(new Date(Date.now() - (6 * 365 - 30) * 86_400_000));
    const inst = anotherInstance(node);
    const before = await inst.facade.lifecycle.get(officer, nearExpiry);
    const renewed = await inst.facade.lifecycle.renew(officer, nearExpiry);
    expect(renewed.version).to.equal(before.version + 1);
    expect(renewed.validTo > before.validTo).to.equal(true);
    expect(
      (await inst.facade.verifyText((await inst.facade.lifecycle.get(officer, nearExpiry)).signature!.qr)).ok,
    ).to.equal(true);
    const fresh = await issuedAt(new Date());
    try {
      await inst.facade.lifecycle.renew(officer, fresh);
      expect.fail("renewed too early");
    } catch (err) {
      expect(err).to.have.property("code", "renewal_too_early");
    }
  });

  it("when an officer lists certificates or issuances, then the answer says how many there are beside the newest it holds", async () => {
    const idNumber = await issuedAt(new Date());
    const all = await node.ctx.conn.collection("certificates").countDocuments({});
    const { lifecycle } = anotherInstance(node).facade;
    const listed = await lifecycle.search(officer, {});
    expect(listed.total).to.equal(all);
    expect(listed.certificates.length).to.equal(Math.min(all, 200));
    const one = await lifecycle.search(officer, { idNumber });
    expect(one.total).to.equal(1);
    expect(one.certificates.map((c) => c.certificateNo)).to.deep.equal([idNumber]);
    // The issuance lists say so too.
    const { issuance } = anotherInstance(node).facade;
    const issued = await node.ctx.conn.collection("certificate_issuances").countDocuments({ status: "issued" });
    expect(issued).to.be.greaterThan(0);
    expect((await issuance.page(officer, "issued")).total).to.equal(issued);
  });

  it("when a withdrawn certificate is revoked, then it is refused and nothing is written", async () => {
    const no = await issuedAt(new Date());
    const inst = anotherInstance(node);
    await inst.facade.lifecycle.changeStatus(officer, no, "withdraw", { reason: "以欺骗手段取得" });
    const outboxBefore = await outboxModel(node.ctx.conn).countDocuments({ key: new RegExp(no) });
    try {
      await inst.facade.lifecycle.changeStatus(officer, no, "revoke", { reason: "x" });
      expect.fail("revoked a withdrawn certificate");
    } catch (err) {
      expect(err).to.have.property("code", "certificate_not_valid");
    }
    expect(await outboxModel(node.ctx.conn).countDocuments({ key: new RegExp(no) })).to.equal(outboxBefore);
    const doc = await inst.facade.lifecycle.get(officer, no);
    expect(doc.statusHistory.map((s) => s.to)).to.deep.equal(["withdrawn"]);
  });
});
