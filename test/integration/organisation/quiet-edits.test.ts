import { expect } from "chai";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * An edit that changes nothing writes nothing (an audit entry with empty details is noise a
 * reviewer must open to learn nothing happened), and a centre's address, printed on every
 * admission ticket, holds no hidden characters and no line breaks.
 */
describe("organisation: edits that change nothing, and the centre's address", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  let admin: AuthedAgent;
  before(async () => {
    admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
  });
  const entries = (action: string, id: string) =>
    env.node.ctx.conn.collection("audit_log").countDocuments({ action, "target.id": id });

  it("when a test centre or an authority is saved unchanged, then no audit entry is written", async () => {
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({ name: "静默考点", address: "南京市玄武区 1 号", divisionCode: "320102" })
        .expect(201)
    ).body;
    const centreId = (centre.testCentre ?? centre).id as string;
    await admin.agent
      .patch(`/api/test-centres/${centreId}`)
      .send({ name: "静默考点", address: "南京市玄武区 1 号" })
      .expect(200);
    await admin.agent.patch(`/api/test-centres/${centreId}`).send({}).expect(200);
    expect(await entries("test_centre.updated", centreId)).to.equal(0);

    const authority = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: "静默运管处", divisionCode: "320102" })
        .expect(201)
    ).body;
    const authorityId = (authority.authority ?? authority).id as string;
    await admin.agent
      .patch(`/api/authorities/${authorityId}`)
      .send({ name: "静默运管处", phone: null })
      .expect(200);
    expect(await entries("authority.updated", authorityId)).to.equal(0);
    // A real change is still written.
    await admin.agent
      .patch(`/api/test-centres/${centreId}`)
      .send({ address: "南京市玄武区 2 号" })
      .expect(200);
    expect(await entries("test_centre.updated", centreId)).to.equal(1);
  });

  it("when a centre's address holds a bidirectional control, a zero-width space or a line break, then it is refused on create and on edit", async () => {
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({ name: "地址考点", address: "南京市秦淮区 3 号", divisionCode: "320104" })
        .expect(201)
    ).body;
    const centreId = (centre.testCentre ?? centre).id as string;
    for (const address of ["南京市\u202e号 3 区淮秦", "南京市\u200b秦淮区 3 号", "南京市秦淮区\n3 号"]) {
      const created = await admin.agent
        .post("/api/test-centres")
        .send({ name: `坏地址${address.length}`, address, divisionCode: "320104" });
      expect(created.status, JSON.stringify(address)).to.equal(400);
      const edited = await admin.agent.patch(`/api/test-centres/${centreId}`).send({ address });
      expect(edited.status, JSON.stringify(address)).to.equal(400);
    }
    const stored = await env.node.ctx.conn.collection("test_centres").findOne({ name: "地址考点" });
    expect(stored?.address).to.equal("南京市秦淮区 3 号");
  });
});
