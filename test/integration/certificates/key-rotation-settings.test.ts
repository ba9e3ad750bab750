import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { createNodeSigning } from "../../../server/certificates/index.js";
import { KeyRotationSettingsDto } from "../../../server/contracts/certificates.js";
import { anonymousAgent, staffAgent } from "../../helpers/auth.js";
import { startCertNode, type TestNode } from "./support.js";

const SETTINGS = "/api/certificates/keys/rotation";

/**
 * GET /api/certificates/keys/rotation: the lead of an admin's certificate key rotation
 * (CERT_KEY_ROTATION_LEAD_HOURS), so the 签名密钥 page says how long the new key waits before it
 * signs before any rotation has happened, instead of reading it off the last one. Not the default
 * 48 here, so an answer that ignored the configuration would show.
 */
describe("GET /api/certificates/keys/rotation, the lead of a certificate key rotation", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startCertNode({ CERT_KEY_ROTATION_LEAD_HOURS: "7" });
  });
  after(async () => node?.stop());

  it("when a province-level admin asks before any rotation, then the answer is the configured lead in hours, as the contract has it", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const res = await admin.agent.get(SETTINGS);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.equal({ rotationLeadHours: 7 });
    expect(KeyRotationSettingsDto.safeParse(res.body).success).to.equal(true);
  });

  it("when the admin then rotates the certificate key, then the new key starts signing the answered lead after the rotation", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const { rotationLeadHours } = KeyRotationSettingsDto.parse((await admin.agent.get(SETTINGS)).body);
    const asked = Date.now();
    const res = await admin.agent.post("/api/certificates/keys/rotate").send({ purpose: "certificate" });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const entry = await node.ctx.conn
      .collection<{ details: { validFrom: string } }>("audit_log")
      .findOne({ action: "certificate.key_rotated", "details.kid": res.body.kid });
    const waited = Date.parse(String(entry?.details.validFrom)) - asked;
    expect(waited).to.be.within(
      rotationLeadHours * 3_600_000 - 1_000,
      rotationLeadHours * 3_600_000 + 60_000,
    );
  });

  it("when the node's key rotation is made with a lead that is not a whole number of hours, then it is refused as the node starts, not on each GET", () => {
    const config = node.ctx.config;
    const make = (rotationLeadMs: number) =>
      createNodeSigning(
        node.ctx.conn,
        { ...config, certificates: { ...config.certificates, rotationLeadMs } },
        { audit: createAuditService(node.ctx.conn), logger: node.ctx.logger },
      );
    expect(() => make(5_400_000)).to.throw(/not a whole number of hours/);
    // Worked out once, when the node starts: every GET answers that same settings object.
    const { keyRotation } = make(3 * 3_600_000);
    expect(keyRotation.settings()).to.deep.equal({ rotationLeadHours: 3 });
    expect(keyRotation.settings()).to.equal(keyRotation.settings());
  });

  it("when a city-level admin, an officer or a visitor asks, then it is refused", async () => {
    const city = await staffAgent(node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const byCity = await city.agent.get(SETTINGS);
    expect(byCity.status).to.equal(403);
    expect(byCity.body.error?.code ?? byCity.body.code).to.equal("province_level_only");
    expect((await officer.agent.get(SETTINGS)).status).to.equal(403);
    const { agent } = await anonymousAgent(node);
    expect((await agent.get(SETTINGS)).status).to.equal(401);
  });

  it("when the request carries a query, then it is refused 400", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    expect((await admin.agent.get(`${SETTINGS}?rotationLeadHours=0`)).status).to.equal(400);
  });
});
