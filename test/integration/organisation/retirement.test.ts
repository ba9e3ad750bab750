import { expect } from "chai";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** Issue 14: organisation data is edited and retired (停用), never while still in use. */
describe("organisation: editing and retiring", () => {
  let node: Node;
  let admin: AuthedAgent;
  let officer: AuthedAgent;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
    admin = await staffAgent(node, { roles: ["admin"], divisionCode: "320000" });
    officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
  });
  after(async () => {
    await node.stop();
  });

  async function aCentre(authorityId?: string) {
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({
          name: `考点${Math.random().toString(16).slice(2, 8)}`,
          address: "玄武区 1 号",
          divisionCode: "320102",
          ...(authorityId ? { authorityId } : {}),
        })
        .expect(201)
    ).body.testCentre as { id: string };
    const room = (
      await admin.agent
        .post(`/api/test-centres/${centre.id}/rooms`)
        .send({ name: "第一考场", seatCount: 2 })
        .expect(201)
    ).body.room as { id: string };
    return { centre, room };
  }
  const retiredAudits = (action: string) => node.ctx.conn.collection("audit_log").countDocuments({ action });

  it("when an authority or a test centre is edited, then the audit entry records each changed field from and to, and nothing unchanged", async () => {
    const authority = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: "南京市旧名运管处", divisionCode: "320100", phone: "025-1111111" })
        .expect(201)
    ).body.authority as { id: string };
    await admin.agent
      .patch(`/api/authorities/${authority.id}`)
      .send({ name: "南京市新名运管处", phone: "025-1111111" })
      .expect(200);
    const { centre } = await aCentre();
    await admin.agent.patch(`/api/test-centres/${centre.id}`).send({ address: "玄武区 9 号" }).expect(200);
    const entryOf = (action: string, id: string) =>
      node.ctx.conn.collection("audit_log").findOne({ action, "target.id": id });
    expect((await entryOf("authority.updated", authority.id))?.details).to.deep.equal({
      name: { from: "南京市旧名运管处", to: "南京市新名运管处" },
    });
    expect((await entryOf("test_centre.updated", centre.id))?.details).to.deep.equal({
      address: { from: "玄武区 1 号", to: "玄武区 9 号" },
    });
  });

  it("when a room still has a session to come, then retiring it is refused and names the session; once cancelled, the room retires and takes no new session", async () => {
    const { centre, room } = await aCentre();
    const session = (
      await officer.agent
        .post("/api/exam-sessions")
        .send({ categoryCode: "01001", testCentreId: centre.id, roomId: room.id, startsAt: inDays(3) })
        .expect(201)
    ).body.session as { id: string };
    const before = await retiredAudits("room.retired");
    const refused = await admin.agent
      .post(`/api/test-centres/${centre.id}/rooms/${room.id}/retire`)
      .send({})
      .expect(409);
    expect(refused.body.error.code).to.equal("in_use");
    expect(refused.body.error.message).to.match(
      /还有 1 个未结束的考试场次（最早 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}）/,
    );
    const centreNow = (await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200)).body.testCentre;
    expect(centreNow.rooms[0].retired).to.equal(false);
    expect(await retiredAudits("room.retired")).to.equal(before);

    await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);
    await admin.agent.post(`/api/test-centres/${centre.id}/rooms/${room.id}/retire`).send({}).expect(204);
    const after = (await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200)).body.testCentre;
    expect(after.rooms[0].retired).to.equal(true);
    expect(await retiredAudits("room.retired")).to.equal(before + 1);
    const refusedSession = await officer.agent
      .post("/api/exam-sessions")
      .send({ categoryCode: "01001", testCentreId: centre.id, roomId: room.id, startsAt: inDays(5) })
      .expect(409);
    expect(refusedSession.body.error.code).to.equal("room_retired");
    // The cancelled session still shows its seats: retiring hides nothing from the records.
    const map = (await officer.agent.get(`/api/exam-sessions/${session.id}/seat-map`).expect(200)).body;
    expect(map.seats).to.have.length(2);
  });

  it("when a room is renamed, then the new name shows and the change is audited with the old one", async () => {
    const { centre, room } = await aCentre();
    await admin.agent
      .patch(`/api/test-centres/${centre.id}/rooms/${room.id}`)
      .send({ name: "机房一" })
      .expect(204);
    const after = (await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200)).body.testCentre;
    expect(after.rooms[0].name).to.equal("机房一");
    const entry = await node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "room.updated", "details.roomId": room.id });
    expect(entry?.details).to.include({ roomName: "机房一", before: "第一考场" });
    await admin.agent.patch(`/api/test-centres/${centre.id}/rooms/${room.id}`).send({ name: "" }).expect(400);
  });

  it("when retiring a room races a new session in it, then never both succeed: the room ends retired or holding the session", async () => {
    for (let round = 0; round < 8; round++) {
      const { centre, room } = await aCentre();
      const [retired, scheduled] = await Promise.all([
        admin.agent.post(`/api/test-centres/${centre.id}/rooms/${room.id}/retire`).send({}),
        officer.agent
          .post("/api/exam-sessions")
          .send({ categoryCode: "01001", testCentreId: centre.id, roomId: room.id, startsAt: inDays(3 + round) }),
      ]);
      expect([retired.status, scheduled.status], `round ${round}`).to.not.deep.equal([204, 201]);
      // The loser is refused with a reason, never an error.
      expect([204, 409], `retirement, round ${round}`).to.include(retired.status);
      expect([201, 409], `new session, round ${round}`).to.include(scheduled.status);
      const now = (await admin.agent.get(`/api/test-centres/${centre.id}`).expect(200)).body.testCentre;
      const sessions = await node.ctx.conn.collection("exam_sessions").countDocuments({ roomId: room.id, status: "scheduled" });
      expect(now.rooms[0].retired && sessions > 0, `round ${round}: retired room with a session`).to.equal(false);
    }
  });

  it("when an authority still has a test centre in use, then retiring it is refused; after the centre retires, the authority does", async () => {
    const authority = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: "南京市运输管理处", divisionCode: "320100" })
        .expect(201)
    ).body.authority as { id: string };
    const { centre } = await aCentre(authority.id);
    const refused = await admin.agent.post(`/api/authorities/${authority.id}/retire`).send({}).expect(409);
    expect(refused.body.error.message).to.include("仍有 1 个在用考点");
    await admin.agent.post(`/api/test-centres/${centre.id}/retire`).send({}).expect(204);
    await admin.agent.post(`/api/authorities/${authority.id}/retire`).send({}).expect(204);
    const listed = (await admin.agent.get("/api/authorities").expect(200)).body.authorities as {
      id: string;
      retired: boolean;
    }[];
    expect(listed.find((a) => a.id === authority.id)?.retired).to.equal(true);
    const again = await admin.agent.post(`/api/authorities/${authority.id}/retire`).send({}).expect(409);
    expect(again.body.error.code).to.equal("already_retired");
  });

  it("when a centre is set up under a retired authority, then it is refused; racing the retirement, never both succeed", async () => {
    const anAuthority = async (name: string) =>
      (await admin.agent.post("/api/authorities").send({ name, divisionCode: "320100" }).expect(201)).body
        .authority as { id: string };
    const retired = await anAuthority(`已停用运管处${Math.random().toString(16).slice(2, 8)}`);
    await admin.agent.post(`/api/authorities/${retired.id}/retire`).send({}).expect(204);
    const refused = await admin.agent
      .post("/api/test-centres")
      .send({ name: "迟到考点", address: "玄武区 2 号", divisionCode: "320102", authorityId: retired.id });
    expect([refused.status, refused.body.error.code]).to.deep.equal([409, "authority_retired"]);

    for (let round = 0; round < 6; round++) {
      const authority = await anAuthority(`竞速运管处${round}-${Math.random().toString(16).slice(2, 8)}`);
      const [retirement, centre] = await Promise.all([
        admin.agent.post(`/api/authorities/${authority.id}/retire`).send({}),
        admin.agent
          .post("/api/test-centres")
          .send({ name: `竞速考点${round}`, address: "玄武区 3 号", divisionCode: "320102", authorityId: authority.id }),
      ]);
      expect([retirement.status, centre.status], `round ${round}`).to.not.deep.equal([204, 201]);
      const inUse = await node.ctx.conn.collection("test_centres").countDocuments({ authorityId: authority.id });
      const isRetired = (await admin.agent.get("/api/authorities").expect(200)).body.authorities.find(
        (a: { id: string }) => a.id === authority.id,
      )?.retired;
      expect(isRetired && inUse > 0, `round ${round}: retired authority with a centre`).to.equal(false);
    }
  });

  it("when ids are typed in upper case, then the centre stores its authority's own id, and retiring the authority by either spelling is refused while the centre is in use", async () => {
    const authority = (
      await admin.agent
        .post("/api/authorities")
        .send({ name: `大写运管处${Math.random().toString(16).slice(2, 8)}`, divisionCode: "320100" })
        .expect(201)
    ).body.authority as { id: string };
    const { centre } = await aCentre(authority.id.toUpperCase());
    const stored = await node.ctx.conn
      .collection("test_centres")
      .findOne({ name: { $exists: true }, authorityId: { $in: [authority.id, authority.id.toUpperCase()] } });
    expect(stored?.authorityId).to.equal(authority.id);
    for (const id of [authority.id, authority.id.toUpperCase()]) {
      const refused = await admin.agent.post(`/api/authorities/${id}/retire`).send({});
      expect([refused.status, refused.body.error?.code], id).to.deep.equal([409, "in_use"]);
    }
    await admin.agent.post(`/api/test-centres/${centre.id.toUpperCase()}/retire`).send({}).expect(204);
    await admin.agent.post(`/api/authorities/${authority.id.toUpperCase()}/retire`).send({}).expect(204);
    const entry = await node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "authority.retired", "target.id": authority.id });
    expect(entry, "audited under the authority's own id").to.not.equal(null);
  });

  it("when an officer tries to retire a room, then it is forbidden", async () => {
    const { centre, room } = await aCentre();
    await officer.agent.post(`/api/test-centres/${centre.id}/rooms/${room.id}/retire`).send({}).expect(403);
  });
});
