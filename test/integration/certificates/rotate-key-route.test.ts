import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createNodeSigning, openKeyStore } from "../../../server/certificates/index.js";
import { staffAgent } from "../../helpers/auth.js";
import { startCertNode, type TestNode } from "./support.js";

const ROTATE = "/api/certificates/keys/rotate";

/**
 * POST /api/certificates/keys/rotate: the operator's rotation (a leaked key, a suite change) from
 * the admin pages, as `npm run cert:rotate-key` does it from a shell: through the node's key
 * rotation, claimed once across instances and audited with the claim's completion. The key signs
 * the whole province's certificates, so only a province-level admin may ask.
 */
describe("POST /api/certificates/keys/rotate, an admin's key rotation", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "48" });
  });
  after(async () => node?.stop());

  const openKid = (purpose: "certificate" | "trust-list") =>
    createNodeSigning(node.ctx.conn, node.ctx.config, {
      audit: createAuditService(node.ctx.conn),
      logger: node.ctx.logger,
    }).signing.openKey(purpose)?.kid;

  it("when a province-level admin rotates the certificate key, then the answer names the new key, the node opens it, and the audit entry names the admin", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const before = openKid("certificate");
    const res = await admin.agent.post(ROTATE).send({ purpose: "certificate" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.deep.equal({ purpose: "certificate", kid: openKid("certificate") });
    expect(res.body.kid).to.not.equal(before);
    const entry = await node.ctx.conn
      .collection<{ actor: { id: string } }>("audit_log")
      .findOne({ action: "certificate.key_rotated", "details.kid": res.body.kid });
    expect(entry?.actor.id).to.equal(admin.user.id);
  });

  it("when a city-level admin or an officer asks, then it is refused and nothing is rotated", async () => {
    const before = openKid("trust-list");
    const city = await staffAgent(node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const byCity = await city.agent.post(ROTATE).send({ purpose: "trust-list" });
    expect(byCity.status).to.equal(403);
    expect(byCity.body.error?.code ?? byCity.body.code).to.equal("province_level_only");
    expect((await officer.agent.post(ROTATE).send({ purpose: "trust-list" })).status).to.equal(403);
    expect(openKid("trust-list")).to.equal(before);
  });

  it("when the body names an unknown purpose, an unknown field or nothing, then it is refused 400 and nothing is rotated", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const before = openKid("trust-list");
    for (const body of [{ purpose: "everything" }, { purpose: "trust-list", force: true }, {}]) {
      const res = await admin.agent.post(ROTATE).send(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
    expect(openKid("trust-list")).to.equal(before);
  });

  it("when two admins confirm a rotation of the key they both saw, one after the other, then the second is refused key_changed_since_viewed and only one new key is made", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const seen = openKid("certificate");
    if (!seen) throw new Error("the node has no certificate key");
    const certificateKeys = () =>
      openKeyStore(node.ctx.config.certificates.keysDir, node.ctx.config.certificates.suite)
        .all()
        .filter((k) => k.purpose === "certificate").length;
    const keysBefore = certificateKeys();

    const first = await admin.agent.post(ROTATE).send({ purpose: "certificate", expectKid: seen });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    // The second page still shows the key the first rotation ended, and names it.
    const second = await other.agent.post(ROTATE).send({ purpose: "certificate", expectKid: seen });
    expect(second.status, JSON.stringify(second.body)).to.equal(409);
    expect(second.body.error?.code ?? second.body.code).to.equal("key_changed_since_viewed");
    expect(second.body.error?.message ?? second.body.message).to.match(/[\u4e00-\u9fff]/);

    expect(openKid("certificate")).to.equal(first.body.kid);
    expect(certificateKeys()).to.equal(keysBefore + 1);
    const entries = await node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "certificate.key_rotated", "details.previousKid": first.body.kid });
    expect(entries).to.equal(0);
  });

  it("when the body names the key now open, then it rotates; a kid longer than any key's is refused 400", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const seen = openKid("trust-list");
    const res = await admin.agent.post(ROTATE).send({ purpose: "trust-list", expectKid: seen });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(openKid("trust-list")).to.equal(res.body.kid).and.not.equal(seen);
    const long = await admin.agent.post(ROTATE).send({ purpose: "trust-list", expectKid: "k".repeat(65) });
    expect(long.status).to.equal(400);
    expect(openKid("trust-list")).to.equal(res.body.kid);
  });

  it("when two rotations of one key are asked at once, then one rotates and the other is refused key_rotation_in_progress", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const other = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const answers = await Promise.all(
      [admin, other].map((a) => a.agent.post(ROTATE).send({ purpose: "trust-list" })),
    );
    expect(answers.map((r) => r.status).sort()).to.deep.equal([201, 409]);
    const refused = answers.find((r) => r.status === 409);
    expect(refused?.body.error?.code ?? refused?.body.code).to.equal("key_rotation_in_progress");
  });
});
