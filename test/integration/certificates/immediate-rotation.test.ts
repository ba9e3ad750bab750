import { expect } from "chai";
import { staffAgent } from "../../helpers/auth.js";
import { anIssuedCertificate } from "./fixtures-nodes.js";
import { anotherInstance, startCertNode, type TestNode } from "./support.js";

const ROTATE = "/api/certificates/keys/rotate";

/**
 * A leaked certificate key must stop signing at once: the configured lead (48 h here) would leave
 * the thief's copy and the node both signing with it for two days. `immediate` rotates with no lead,
 * from the admin page and from the command line, and the audit entry says so.
 */
describe("an immediate rotation of a leaked certificate key", function () {
  this.timeout(120_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "48" });
  });
  after(async () => node?.stop());

  const kidOf = async (certificateNo: string) =>
    (
      await node.ctx.conn
        .collection<{ signature: { kid: string } }>("certificates")
        .findOne({ certificateNo })
    )?.signature.kid;

  it("when an admin rotates the certificate key with immediate, then the next certificate is sealed with the new key, the old key's registered end is now, and the audit entry says immediate", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const inst = anotherInstance(node);
    const { pass: before } = await anIssuedCertificate(node, inst);
    const oldKid = await kidOf(before.idNumber);
    const res = await admin.agent.post(ROTATE).send({ purpose: "certificate", immediate: true });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const newKid = res.body.kid as string;

    const { pass: after } = await anIssuedCertificate(node, anotherInstance(node));
    expect(await kidOf(after.idNumber)).to.equal(newKid);
    const old = await node.ctx.conn
      .collection<{ validTo: string | null }>("certificate_keys")
      .findOne({ kid: oldKid });
    expect(Date.parse(old?.validTo ?? "")).to.be.at.most(Date.now());
    const entry = await node.ctx.conn
      .collection<{ details: Record<string, unknown> }>("audit_log")
      .findOne({ action: "certificate.key_rotated", "details.kid": newKid });
    expect(entry?.details).to.include({ immediate: true, previousKid: oldKid });
  });

  it("when an admin rotates without immediate, then the old key goes on signing for the lead and the audit entry says nothing of immediate", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const res = await admin.agent.post(ROTATE).send({ purpose: "certificate" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const { pass } = await anIssuedCertificate(node, anotherInstance(node));
    expect(await kidOf(pass.idNumber)).to.not.equal(res.body.kid);
    const entry = await node.ctx.conn
      .collection<{ details: Record<string, unknown> }>("audit_log")
      .findOne({ action: "certificate.key_rotated", "details.kid": res.body.kid });
    expect(entry?.details).to.not.have.property("immediate");
  });
});
