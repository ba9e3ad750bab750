import { expect } from "chai";
import type { CertificateDto } from "../../../server/contracts/certificates.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { staffAgent } from "../../helpers/auth.js";
import { anotherInstance, aPass, officer, startCertNode, type TestNode } from "./support.js";
import { zhDate } from "../../helpers/zh-date.js";

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
    const p = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === pass.attemptId,
    )!;
    await inst.facade.issuance.issue(officer, String(p._id));
    return pass.idNumber;
  }

  it("when a certificate is issued at 00:30 Beijing time (16:30 UTC the day before), then its dates are Beijing's calendar days", async () => {
    const year = new Date().getUTCFullYear() - 1;
    const no = await issuedAt(new Date(`${year}-12-06T16:30:00Z`));
    const doc = await anotherInstance(node).facade.lifecycle.get(officer, no);
    expect(doc).to.include({
      validFrom: `${year}-12-07`,
      validTo: `${year + 6}-12-06`,
      firstIssuedOn: `${year}-12-07`,
    });
  });

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

  it("when an officer renews inside the window, then a new version with the next six years is signed and the old card no longer verifies as current; outside the window it is refused", async () => {
    const nearExpiry = await issuedAt(new Date(Date.now() - (6 * 365 - 30) * 86_400_000));
    const inst = anotherInstance(node);
    const before = await inst.facade.lifecycle.get(officer, nearExpiry);
    const renewed = await inst.facade.lifecycle.renew(officer, nearExpiry);
    expect(renewed.version).to.equal(before.version + 1);
    expect(renewed.validTo > before.validTo).to.equal(true);
    expect(
      (await inst.facade.verifyText((await inst.facade.lifecycle.get(officer, nearExpiry)).signature!.qr)).ok,
    ).to.equal(true);
    // The old card is still within its dates and signed: only the registry knows it was replaced.
    const oldCard = await inst.facade.verifyText(before.signature!.qr);
    expect(oldCard).to.deep.include({ ok: false, authentic: true, code: "superseded" });
    expect(oldCard.message).to.contain(`第 ${before.version} 版`).and.contain(`第 ${renewed.version} 版取代`);
    // The banner prints the renewal's time as the verify page prints its own times (年月日).
    expect(oldCard.message).to.match(/已由 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2} 换发/);
    const fresh = await issuedAt(new Date());
    try {
      await inst.facade.lifecycle.renew(officer, fresh);
      expect.fail("renewed too early");
    } catch (err) {
      expect(err).to.have.property("code", "renewal_too_early");
    }
  });

  it("when an officer reads a certificate, then it says whether renewal would be accepted today, and the renewal answers the same", async () => {
    const { agent } = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const read = async (no: string) =>
      (await agent.get(`/api/certificates/${no}`).expect(200)).body.certificate as CertificateDto;
    const nearExpiry = await read(await issuedAt(new Date(Date.now() - (6 * 365 - 10) * 86_400_000)));
    expect(nearExpiry.renewal).to.include({ allowed: true, reason: null });
    expect(nearExpiry.renewal.opensOn < nearExpiry.record.validTo).to.equal(true);

    const fresh = await read(await issuedAt(new Date()));
    expect(fresh.renewal.allowed).to.equal(false);
    expect(fresh.renewal.reason).to.contain(`（${zhDate(fresh.renewal.opensOn)} 起）`);
    const refused = await agent.post(`/api/certificates/${fresh.record.certificateNo}/renew`).send();
    expect(refused.status).to.equal(409);
    expect(refused.body.error).to.include({ code: "renewal_too_early", message: fresh.renewal.reason });
    await agent.post(`/api/certificates/${nearExpiry.record.certificateNo}/renew`).send().expect(200);
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
    const issued = await node.ctx.conn
      .collection("certificate_issuances")
      .countDocuments({ status: "issued" });
    expect(issued).to.be.greaterThan(0);
    expect((await issuance.page(officer, { status: "issued" })).total).to.equal(issued);
  });

  it("when the list is paged with its cursor over more certificates than a page, then every certificate comes once, newest first, also among those issued at one instant", async () => {
    const template = await node.ctx.conn
      .collection("certificates")
      .findOne({ certificateNo: await issuedAt(new Date()) });
    if (!template) throw new Error("no certificate to copy");
    const { _id: _ignored, ...rest } = template;
    // A batch issued at one instant: 450 certificates sharing issuedAt, told apart by number only.
    const at = new Date(Date.now() + 60_000);
    await node.ctx.conn.collection("certificates").insertMany(
      Array.from({ length: 450 }, (_, i) => ({
        ...rest,
        certificateNo: `P${String(i).padStart(17, "0")}`,
        statusIndex: 9_000_000 + i,
        issuedAt: at,
      })),
    );
    const all = await node.ctx.conn.collection("certificates").countDocuments({});
    const { lifecycle } = anotherInstance(node).facade;
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await lifecycle.search(officer, before ? { before } : {});
      expect(page.total).to.equal(all);
      seen.push(...page.certificates.map((c) => c.certificateNo));
      if (!page.next) break;
      before = page.next;
    }
    expect(seen).to.have.length(all);
    expect(new Set(seen).size).to.equal(all);
    // The instant's batch first (it is the newest), by number descending.
    expect(seen.slice(0, 3)).to.deep.equal([
      "P00000000000000449",
      "P00000000000000448",
      "P00000000000000447",
    ]);
    const revoked = await lifecycle.search(officer, { status: "revoked" });
    expect(revoked.certificates.every((c) => c.status === "revoked")).to.equal(true);
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

  it("when an officer cancels a certificate by hand with the reason 转籍, then it is refused and the certificate stays valid", async () => {
    const no = await issuedAt(new Date());
    const { agent } = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const refused = await agent
      .post(`/api/certificates/${no}/cancel`)
      .send({ reason: "transferred", note: "手工转籍" });
    expect(refused.status).to.equal(400);
    expect(refused.body.error.code).to.equal("validation_failed");
    expect((await anotherInstance(node).facade.lifecycle.get(officer, no)).status).to.equal("valid");
    await agent.post(`/api/certificates/${no}/cancel`).send({ reason: "holder_request" }).expect(200);
  });

  it("when a cancellation's note and ground together are longer than a record holds, then it is refused; once cancelled, public verification names the ground and not the officer's note", async () => {
    const inst = anotherInstance(node);
    const no = await issuedAt(new Date());
    const { agent } = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const signed = await inst.facade.lifecycle.get(officer, no);
    const long = await agent
      .post(`/api/certificates/${no}/cancel`)
      .send({ reason: "death", note: "经".repeat(200) });
    expect([long.status, long.body.error?.code]).to.deep.equal([400, "reason_too_long"]);
    expect((await inst.facade.lifecycle.get(officer, no)).status).to.equal("valid");

    const note = "家属持死亡证明办理，经办人张三";
    await agent.post(`/api/certificates/${no}/cancel`).send({ reason: "death", note }).expect(200);
    expect((await inst.facade.lifecycle.get(officer, no)).statusHistory.at(-1)?.reason).to.equal(
      `持证人死亡：${note}`,
    );
    const verdict = await inst.facade.verifyText(signed.signature!.qr);
    expect(verdict.status).to.deep.include({ state: "cancelled", reason: "持证人死亡" });
    expect(verdict.message).to.include("持证人死亡").and.not.include("经办人");
  });
});
