import { expect } from "chai";
import { Types } from "mongoose";
import { registerTestCandidate, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/**
 * A session copies its centre's name and address and its room's name when it is scheduled
 * (tickets, the seating plan and the proctor console print the copies): a rename or a new address
 * reaches the sessions still to come, while a session already held keeps what it was held under.
 */
describe("organisation: renames reach the sessions still to come", () => {
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  let admin: AuthedAgent;
  let officer: AuthedAgent;
  before(async () => {
    admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320000" });
  });

  async function aCentreWithSessions() {
    const centre = (
      await admin.agent
        .post("/api/test-centres")
        .send({ name: "旧名考点", address: "玄武区 1 号", divisionCode: "320102" })
        .expect(201)
    ).body.testCentre as { id: string };
    const room = (
      await admin.agent
        .post(`/api/test-centres/${centre.id}/rooms`)
        .send({ name: "第一考场", seatCount: 2 })
        .expect(201)
    ).body.room as { id: string };
    const schedule = async (startsAt: string) =>
      (
        await officer.agent
          .post("/api/exam-sessions")
          .send({ categoryCode: "01001", testCentreId: centre.id, roomId: room.id, startsAt })
          .expect(201)
      ).body.session as { id: string };
    const coming = await schedule(inDays(3));
    const held = await schedule(inDays(4));
    // A session held two days ago (the API schedules only in the future).
    const start = new Date(Date.now() - 2 * 86_400_000);
    await env.node.ctx.conn.collection("exam_sessions").updateOne(
      { _id: new Types.ObjectId(held.id) },
      {
        $set: {
          startsAt: start,
          endsAt: new Date(start.getTime() + 60 * 60_000),
          bookedUntil: new Date(start.getTime() + 110 * 60_000),
        },
      },
    );
    const candidate = await registerTestCandidate(env.node);
    await officer.agent
      .post(`/api/exam-sessions/${coming.id}/assignments`)
      .send({ candidateId: candidate.id })
      .expect(201);
    return { centre, room, coming, held, candidate };
  }

  const sessionOf = async (id: string) =>
    (await officer.agent.get(`/api/exam-sessions/${id}`).expect(200)).body.session as {
      testCentreName: string;
      roomName: string;
    };

  it("when a room is renamed, then the sessions to come and their tickets show the new name, a session already held keeps the old one, and the audit entry says how many changed", async () => {
    const { centre, room, coming, held, candidate } = await aCentreWithSessions();
    await admin.agent
      .patch(`/api/test-centres/${centre.id}/rooms/${room.id}`)
      .send({ name: "机房一" })
      .expect(204);
    expect((await sessionOf(coming.id)).roomName).to.equal("机房一");
    const ticket = (
      await officer.agent.get(`/api/exam-sessions/${coming.id}/tickets/${candidate.id}`).expect(200)
    ).body.ticket as { roomName: string };
    expect(ticket.roomName).to.equal("机房一");
    expect((await sessionOf(held.id)).roomName).to.equal("第一考场");
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "room.updated", "details.roomId": room.id });
    expect(entry?.details).to.include({ roomName: "机房一", before: "第一考场", sessionsRenamed: 1 });
  });

  it("when a test centre's name and address change, then the sessions to come print the new ones on tickets, and a session already held keeps the old ones", async () => {
    const { centre, coming, held, candidate } = await aCentreWithSessions();
    await admin.agent
      .patch(`/api/test-centres/${centre.id}`)
      .send({ name: "新名考点", address: "鼓楼区 8 号" })
      .expect(200);
    expect((await sessionOf(coming.id)).testCentreName).to.equal("新名考点");
    const ticket = (
      await officer.agent.get(`/api/exam-sessions/${coming.id}/tickets/${candidate.id}`).expect(200)
    ).body.ticket as { testCentreName: string; testCentreAddress: string };
    expect(ticket).to.include({ testCentreName: "新名考点", testCentreAddress: "鼓楼区 8 号" });
    const past = await env.node.ctx.conn
      .collection("exam_sessions")
      .findOne({ _id: new Types.ObjectId(held.id) });
    expect(past).to.include({ testCentreName: "旧名考点", testCentreAddress: "玄武区 1 号" });
    const entry = await env.node.ctx.conn
      .collection("audit_log")
      .findOne({ action: "test_centre.updated", "target.id": centre.id });
    expect(entry?.details).to.deep.include({ sessionsRenamed: 1 });
  });

  it("when a room is renamed while a session in it is being scheduled, then the new session never keeps the old name", async () => {
    for (let round = 0; round < 6; round++) {
      const { centre, room } = await aCentreWithSessions();
      const name = `机房${round}`;
      const [renamed, scheduled] = await Promise.all([
        admin.agent.patch(`/api/test-centres/${centre.id}/rooms/${room.id}`).send({ name }),
        officer.agent
          .post("/api/exam-sessions")
          .send({ categoryCode: "01001", testCentreId: centre.id, roomId: room.id, startsAt: inDays(10) }),
      ]);
      expect([renamed.status, scheduled.status], `round ${round}`).to.deep.equal([204, 201]);
      const created = (scheduled.body as { session: { id: string } }).session;
      expect((await sessionOf(created.id)).roomName, `round ${round}`).to.equal(name);
    }
  });
});
