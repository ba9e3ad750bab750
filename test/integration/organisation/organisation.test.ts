import { Types } from "mongoose";
import { expect } from "chai";
import { hashSeatToken } from "../../../server/organisation/index.js";
import { newUserBody, staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe("organisation set-up by admins", () => {
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a province admin sets up an authority, a test centre, a room and a proctor, then all are stored and audited", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    const authority = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: "苏州市道路运输管理处", divisionCode: "320500" })
        .expect(201)
    ).body.authority;
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({ name: "苏州考点", address: "姑苏区 1 号", divisionCode: "320508", authorityId: authority.id })
        .expect(201)
    ).body.testCentre;
    const room = (
      await admin.agent
        .post(`/api/test-centres/${centre.id}/rooms`)
        .send({ name: "第一考场", seatCount: 3 })
        .expect(201)
    ).body.room;
    expect(room.seats.map((s: { seatNo: number }) => s.seatNo)).to.deep.equal([1, 2, 3]);
    const proctor = await admin.agent
      .post("/api/users")
      .send(
        newUserBody({
          displayName: "监考甲",
          roles: ["proctor"],
          divisionCode: "320508",
          testCentreId: centre.id,
        }),
      )
      .expect(201);
    expect(proctor.body.user.testCentreId).to.equal(centre.id);
    const actions = (await node.ctx.conn.collection("audit_log").find({}).toArray()).map((e) => e.action);
    expect(actions).to.include.members([
      "authority.created",
      "test_centre.created",
      "room.created",
      "user.created",
    ]);
  });

  it("when a seat token is issued, then it is shown once and only its hash is stored", async () => {
    const admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320100" });
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({ name: "南京令牌考点", address: "玄武区 2 号", divisionCode: "320102" })
        .expect(201)
    ).body.testCentre;
    const room = (
      await admin.agent
        .post(`/api/test-centres/${centre.id}/rooms`)
        .send({ name: "考场", seatCount: 1 })
        .expect(201)
    ).body.room;
    const res = await admin.agent
      .patch(`/api/test-centres/${centre.id}/rooms/${room.id}/seats/${room.seats[0].id}`)
      .send({ issueToken: true })
      .expect(200);
    expect(res.body.seatToken).to.be.a("string").with.length.greaterThan(20);
    const stored = JSON.stringify(
      await node.ctx.conn.collection("test_centres").findOne({ name: "南京令牌考点" }),
    );
    expect(stored).to.not.contain(res.body.seatToken);
    expect(stored).to.contain(hashSeatToken(res.body.seatToken as string));
    const again = await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200);
    expect(JSON.stringify(again.body)).to.not.contain(res.body.seatToken);
    expect(again.body.testCentre.rooms[0].seats[0].hasToken).to.equal(true);
  });

  it("when a city admin acts outside the city, then it is refused and nothing is written", async () => {
    const nanjing = await staffAgent(node, { roles: ["admin"], divisionCode: "320100" });
    const res = await nanjing.agent
      .post("/api/test-centres")
      .send({ name: "越权考点", address: "苏州", divisionCode: "320500" });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("division_out_of_scope");
    const user = await nanjing.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "越权", roles: ["admin"], divisionCode: "320000" }));
    expect(user.body.error.code).to.equal("division_out_of_scope");
    const beijing = await nanjing.agent
      .post("/api/authorities")
      .send({ name: "北京", divisionCode: "110105" });
    expect(beijing.body.error.code).to.equal("division_out_of_scope");
    expect(await node.ctx.conn.collection("test_centres").countDocuments({ name: "越权考点" })).to.equal(0);
  });

  it("when a staff name is blank, holds a direction override or is longer than other provinces take, then it is refused and no user is written", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const tries = [
      { displayName: "   ", field: "姓名" },
      { displayName: "王\u202e明", field: "姓名" },
      { displayName: "王".repeat(51), field: "姓名" },
    ];
    for (const [i, t] of tries.entries()) {
      const username = `dn_${i}_${Date.now()}`;
      const res = await admin.agent
        .post("/api/users")
        .send(
          newUserBody({ username, displayName: t.displayName, roles: ["officer"], divisionCode: "320000" }),
        );
      expect(res.status, JSON.stringify(t)).to.equal(400);
      expect(res.body.error.code).to.equal("validation_failed");
      expect(res.body.error.message).to.match(new RegExp(`^${t.field}：`));
      expect(await node.ctx.conn.collection("staff_users").countDocuments({ username })).to.equal(0);
    }
    const ok = await admin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: " 王明 ", roles: ["officer"], divisionCode: "320000" }));
    expect(ok.status).to.equal(201);
    expect(ok.body.user.displayName).to.equal("王明");
  });

  it("when an authority, test centre or room name holds an invisible character, then it is refused and nothing is written", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const authority = await admin.agent
      .post("/api/authorities")
      .send({ name: "苏州市\u200b运管处", divisionCode: "320500" });
    expect(authority.status).to.equal(400);
    expect(authority.body.error.message).to.match(/^名称：含不可见字符/);
    const centre = await admin.agent
      .post("/api/test-centres")
      .send({ name: "\u202e考点", address: "苏州", divisionCode: "320500" });
    expect(centre.status).to.equal(400);
    expect(
      await node.ctx.conn.collection("authorities").countDocuments({ name: "苏州市\u200b运管处" }),
    ).to.equal(0);
    expect(await node.ctx.conn.collection("test_centres").countDocuments({ name: "\u202e考点" })).to.equal(0);
  });

  it("when a province node is asked for hub_operator, or a proctor without a test centre, then the role is refused", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const hub = await admin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "运维", roles: ["hub_operator"], divisionCode: "320000" }));
    expect(hub.status).to.equal(400);
    expect(hub.body.error.code).to.equal("role_not_allowed");
    const proctor = await admin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "监考", roles: ["proctor"], divisionCode: "320000" }));
    expect(proctor.body.error.code).to.equal("test_centre_required");
  });

  it("when an admin tries to remove their own admin role, then it is refused as any change of their own roles", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const res = await admin.agent
      .patch(`/api/users/${admin.staff.id}`)
      .send({ roles: ["officer"], expectedVersion: admin.staff.version });
    expect(res.body.error.code).to.equal("cannot_change_own_roles");
  });

  it("when a role changes, then the audit log records from and to", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    // A province officer: the reviewer role is granted at the province level only.
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
    const requested = await admin.agent
      .patch(`/api/users/${officer.staff.id}`)
      .send({ roles: ["officer", "reviewer"], expectedVersion: officer.staff.version })
      .expect(200);
    // A privileged role waits for a second admin (grant-approvals.ts); its approval records the change.
    const approver = await staffAgent(node, { roles: ["admin"] });
    await approver.agent
      .patch(`/api/users/${officer.staff.id}`)
      .send({
        grant: "approve",
        expectedVersion: (requested.body as { user: { version: number } }).user.version,
      })
      .expect(200);
    const entry = await node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "user.grant_approved", "target.id": officer.staff.id });
    expect(entry?.details.roles).to.deep.equal({ from: ["officer"], to: ["officer", "reviewer"] });
    // The approval ends the login the account had (its password may be the requester's: grant-approvals.ts).
    await officer.agent.get("/api/auth/me").expect(401);
    const stored = await node.ctx.conn
      .collection("staff_users")
      .findOne({ _id: new Types.ObjectId(officer.staff.id) });
    expect(stored?.roles).to.deep.equal(["officer", "reviewer"]);
  });
});

describe("the hub node", () => {
  let hub: Node;
  before(async () => {
    hub = await startTestNode({ role: "hub" });
  });
  after(async () => {
    await hub.stop();
  });

  it("when the hub runs, then there is no registration or scheduling, and its staff act at ministry level", async () => {
    const admin = await staffAgent(hub, { roles: ["admin"] });
    expect(admin.user).to.include({ divisionCode: "000000", provinceCode: null });
    await admin.agent.get("/api/candidates").expect(404);
    await admin.agent.get("/api/exam-sessions").expect(404);
    const op = await admin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "运维", roles: ["hub_operator"], divisionCode: "000000" }))
      .expect(201);
    expect(op.body.user.roles).to.deep.equal(["hub_operator"]);
    const officer = await admin.agent
      .post("/api/users")
      .send(newUserBody({ displayName: "业务", roles: ["officer"], divisionCode: "000000" }));
    expect(officer.body.error.code).to.equal("role_not_allowed");
  });

  it("when a hub admin puts a staff account in a province or city division, then it is refused and nothing is stored or changed", async () => {
    const admin = await staffAgent(hub, { roles: ["admin"] });
    const users = hub.ctx.conn.collection("staff_users");
    const before = await users.countDocuments();
    for (const divisionCode of ["320000", "320100"]) {
      const res = await admin.agent
        .post("/api/users")
        .send(newUserBody({ displayName: "运维", roles: ["hub_operator"], divisionCode }));
      expect(res.status).to.equal(422);
      expect(res.body.error).to.deep.include({
        code: "province_data_on_hub",
        message: "全国数据共享平台只登记部级工作人员，省、市、县的工作人员由各省节点管理",
      });
    }
    expect(await users.countDocuments()).to.equal(before);
    // Nor can an existing hub account be moved into a province.
    const op = await staffAgent(hub, { roles: ["hub_operator"] });
    const moved = await admin.agent
      .patch(`/api/users/${op.staff.id}`)
      .send({ divisionCode: "320000", expectedVersion: op.staff.version });
    expect(moved.status).to.equal(422);
    expect(moved.body.error.code).to.equal("province_data_on_hub");
    expect((await users.findOne({ username: op.staff.username }))?.divisionCode).to.equal("000000");
  });

  it("when a hub admin adds a province or city authority, then it is refused and nothing is stored; a ministry one is kept", async () => {
    const admin = await staffAgent(hub, { roles: ["admin"] });
    const before = await hub.ctx.conn.collection("authorities").countDocuments();
    for (const divisionCode of ["320000", "320100"]) {
      const res = await admin.agent.post("/api/authorities").send({ name: "省运管局", divisionCode });
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal("province_data_on_hub");
    }
    expect(await hub.ctx.conn.collection("authorities").countDocuments()).to.equal(before);
    await admin.agent
      .post("/api/authorities")
      .send({ name: "交通运输部", divisionCode: "000000" })
      .expect(201);
  });
});
