import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import {
  anotherInstance,
  aPass,
  officer,
  recordPassResult,
  startCertNode,
  type TestNode,
} from "./support.js";

const DAY = 86_400_000;

/**
 * A holder who passes again (one certificate per ID number): what happens to the certificate they
 * hold, whatever state it is in. A dead end here left a re-qualified holder without any way to be
 * issued a certificate again.
 */
describe("certificate issuance for a holder who already has a certificate", function () {
  this.timeout(120_000);
  let node: TestNode;
  before(async () => {
    // Certificates up to seven years back: the node's keys are older.
    node = await startCertNode({}, { keysMadeAt: new Date(Date.now() - 8 * 365 * DAY) });
  });
  after(async () => node.stop());

  /** A pass issued as by an instance whose clock reads `at`; returns the pass. */
  async function issuedAt(at: Date, categoryCode = "01001"): Promise<DomainEvents["exam.passed"]> {
    const inst = anotherInstance(node, () => at);
    const pass = await aPass(node, categoryCode);
    await inst.facade.issuance.onExamPassed(pass);
    const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === pass.attemptId,
    )!;
    await inst.facade.issuance.issue(officer, String(pending._id));
    return pass;
  }

  /** The same holder passes `categoryCode` today; resolves the issued record or the refusal. */
  async function passesAgain(first: DomainEvents["exam.passed"], categoryCode: string) {
    const inst = anotherInstance(node);
    const again = { ...first, attemptId: `${first.attemptId}-again-${categoryCode}`, categoryCode };
    await recordPassResult(node, again);
    await inst.facade.issuance.onExamPassed(again);
    const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (x) => x.attemptId === again.attemptId,
    )!;
    return inst.facade.issuance.issue(officer, String(pending._id)).then(
      (record) => ({ record, refusal: null }),
      (err: { code?: string; message?: string }) => ({ record: null, refusal: err }),
    );
  }

  it("when a holder whose certificate was cancelled 180 days after expiry passes again, then the certificate is issued anew for the category passed, and the old card does not verify", async () => {
    const first = await issuedAt(new Date(Date.now() - (6 * 365 + 200) * DAY));
    const inst = anotherInstance(node);
    const old = await inst.facade.lifecycle.get(officer, first.idNumber);
    await inst.facade.lifecycle.cancelLapsed();
    expect((await inst.facade.lifecycle.get(officer, first.idNumber)).status).to.equal("cancelled");

    const { record, refusal } = await passesAgain(first, "02001");
    expect(refusal).to.equal(null);
    expect(record).to.include({ version: old.version + 1, status: "valid" });
    expect(record?.categories.map((c) => c.code)).to.deep.equal(["02001"]);
    expect(String(record?.validFrom) > old.validTo).to.equal(true);
    const now = await inst.facade.lifecycle.get(officer, first.idNumber);
    expect(now.versions.at(-1)).to.include({ kind: "reissue" });
    expect(now.statusHistory.map((e) => [e.from, e.to])).to.deep.equal([
      ["valid", "cancelled"],
      ["cancelled", "valid"],
    ]);
    expect(await inst.facade.verifyText(now.signature!.qr)).to.deep.include({ ok: true, code: "valid" });
    expect(await inst.facade.verifyText(old.signature!.qr)).to.deep.include({ ok: false, authentic: true });
  });

  it("when a holder's certificate expired less than 180 days ago, then it can still be renewed, and a new category waits for the renewal", async () => {
    const first = await issuedAt(new Date(Date.now() - (6 * 365 + 30) * DAY));
    const { refusal } = await passesAgain(first, "02001");
    expect(refusal).to.include({ code: "renewal_due" });
    const inst = anotherInstance(node);
    const renewed = await inst.facade.lifecycle.renew(officer, first.idNumber);
    expect(renewed.status).to.equal("valid");
    const after = await passesAgain(first, "03001");
    expect(after.refusal).to.equal(null);
    expect(after.record?.categories.map((c) => c.code)).to.deep.equal(["01001", "03001"]);
  });

  it("when a holder whose certificate was revoked passes again, then nothing is issued and the refusal says it was revoked", async () => {
    const first = await issuedAt(new Date());
    const inst = anotherInstance(node);
    await inst.facade.lifecycle.changeStatus(officer, first.idNumber, "revoke", { reason: "伪造从业经历" });
    const { refusal } = await passesAgain(first, "02001");
    expect(refusal).to.include({ code: "certificate_not_valid" });
    expect(refusal?.message).to.contain("吊销");
    expect((await inst.facade.lifecycle.get(officer, first.idNumber)).status).to.equal("revoked");
  });
});
