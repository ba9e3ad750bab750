import { expect } from "chai";
import {
  anotherInstance,
  aPass,
  expectNothingIssued,
  issueError,
  pendingIssuanceOf,
  startCertNode,
  type TestNode,
} from "./support.js";

/**
 * What issuance refuses although the pass is published: a registration withdrawn since, a name
 * the certificate's font cannot draw, and a signing key the node's key registry (what every
 * verifier reads) shows closed. Each refusal writes nothing.
 */
describe("certificate issuance: refused passes", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode();
  });
  after(async () => node.stop());
  const db = () => node.ctx.conn;

  it("when the holder's registration was withdrawn after the pass, then issuing is refused candidate_withdrawn and nothing is issued", async () => {
    const pass = await aPass(node);
    const pending = await pendingIssuanceOf(anotherInstance(node), pass);
    await db()
      .collection("candidates")
      .updateOne(
        { idNumber: pass.idNumber },
        { $set: { withdrawnAt: new Date(), withdrawReason: "本人申请" } },
      );
    expect(await issueError(anotherInstance(node), pending)).to.include({
      code: "candidate_withdrawn",
      status: 409,
    });
    await expectNothingIssued(node, pass);
  });

  it("when the holder's name holds a character the certificate font lacks (registered before that was refused), then issuing is refused name_glyph_missing and nothing is issued", async () => {
    const pass = await aPass(node);
    const pending = await pendingIssuanceOf(anotherInstance(node), pass);
    await db()
      .collection("candidates")
      .updateOne({ idNumber: pass.idNumber }, { $set: { name: "王𪚥" } });
    expect(await issueError(anotherInstance(node), pending)).to.include({
      code: "name_glyph_missing",
      status: 422,
    });
    await expectNothingIssued(node, pass);
  });

  it("when the key registry shows the instance's signing key closed (a keys directory not shared), then issuing is refused signing_key_closed and nothing is issued", async () => {
    const pass = await aPass(node);
    const pending = await pendingIssuanceOf(anotherInstance(node), pass);
    const keys = db().collection("certificate_keys");
    const open = await keys.findOne({ provinceCode: "320000", purpose: "certificate", validTo: null });
    expect(open, "the node's open certificate key").to.not.equal(null);
    await keys.updateOne(
      { _id: open!._id },
      { $set: { validTo: new Date(Date.now() - 86_400_000).toISOString() } },
    );
    try {
      expect(await issueError(anotherInstance(node), pending)).to.include({
        code: "signing_key_closed",
        status: 409,
      });
      await expectNothingIssued(node, pass);
    } finally {
      await keys.updateOne({ _id: open!._id }, { $set: { validTo: null } });
    }
  });
});
