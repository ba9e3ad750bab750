import { expect } from "chai";
import { getStatusBits } from "../../../server/certificates/index.js";
import {
  anotherInstance,
  aPass,
  officer,
  pendingIssuanceOf,
  recordPassResult,
  startCertNode,
  type TestNode,
} from "./support.js";

/**
 * A reissue draws a new status index and retires the one the certificate leaves. An index drawn
 * before slots were kept has no slot, so drawing it again raises no duplicate key: the reissue must
 * draw again itself, or it claims the index and then retires it, and the new, valid certificate is
 * published as cancelled (注销) on the status list every other province reads.
 */
describe("certificate status-list indexes: a reissue drawing the index it leaves", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => node.stop());

  it("when a reissue's first draw is the index the certificate leaves (one without a slot), then it draws again and the new certificate reads valid on the status list", async () => {
    const first = await aPass(node, "01001");
    const inst = anotherInstance(node);
    const old = await inst.facade.issuance.issue(officer, await pendingIssuanceOf(inst, first));
    // An index drawn before slots were kept: the certificate holds it, no slot does.
    await node.ctx.conn.collection("certificate_status_slots").deleteOne({ statusIndex: old.statusIndex });
    await inst.facade.lifecycle.changeStatus(officer, first.idNumber, "cancel", {
      reason: "本人申请注销",
      cancellation: "holder_request",
    });

    const again = { ...first, attemptId: `${first.attemptId}-02001`, categoryCode: "02001" };
    await recordPassResult(node, again);
    const draws = [old.statusIndex, old.statusIndex === 7 ? 8 : 7];
    const forced = anotherInstance(node, undefined, undefined, undefined, {
      statusIndexSource: () => draws.shift() ?? 9,
    });
    const reissued = await forced.facade.issuance.issue(officer, await pendingIssuanceOf(forced, again));

    expect(reissued).to.include({ status: "valid", version: old.version + 1 });
    expect(reissued.statusIndex).to.not.equal(old.statusIndex);
    const list = (await forced.facade.signing.trustContext()).statusLists?.get(reissued.provinceCode);
    expect(list && getStatusBits(list.bits, reissued.statusIndex)).to.equal("valid");
    expect(list && getStatusBits(list.bits, old.statusIndex)).to.equal("cancelled");
  });
});
