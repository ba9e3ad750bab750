import { ObjectId } from "mongodb";
import { expect } from "chai";
import { createTestRoom, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** Issue 14: registrations are corrected and withdrawn, audited, never under a seated candidate. */
describe("registration: corrections and withdrawal", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  let day = 1;

  /** A one-seat session scheduled by the officer on a day of its own; returns its id. */
  async function newSession(): Promise<string> {
    const room = await createTestRoom(env.node, { seats: 1 });
    return (
      await officer.agent
        .post("/api/exam-sessions")
        .send({
          categoryCode: "01001",
          testCentreId: room.testCentreId,
          roomId: room.roomId,
          startsAt: new Date(Date.now() + day++ * 86_400_000).toISOString(),
        })
        .expect(201)
    ).body.session.id as string;
  }

  async function seat(candidateId: string): Promise<string> {
    const session = await newSession();
    await officer.agent.post(`/api/exam-sessions/${session}/assignments`).send({ candidateId }).expect(201);
    return session;
  }
  const audits = (action: string, id: string) =>
    env.node.ctx.conn.collection("audit_log").find({ action, "target.id": id }).toArray();

  it("when an officer corrects a phone number and the address, then both change and the audit entry shows before and after", async () => {
    const c = await registerTestCandidate(env.node, { name: "吴更正" });
    const res = await officer.agent
      .patch(`/api/candidates/${c.id}`)
      .send({ phone: "13912345678", addressDivisionCode: "320115" })
      .expect(200);
    expect(res.body.candidate).to.include({ phone: "13912345678", addressDivisionCode: "320115" });
    const [entry] = await audits("candidate.updated", c.id);
    expect(entry?.details).to.include({
      candidateName: "吴更正",
      phoneBefore: "13800000000",
      phone: "13912345678",
    });
    const bad = await officer.agent
      .patch(`/api/candidates/${c.id}`)
      .send({ addressDivisionCode: "329999" })
      .expect(400);
    expect(bad.body.error.code).to.equal("unknown_division");
    await officer.agent.patch(`/api/candidates/${c.id}`).send({}).expect(400);
  });

  it("when a withdrawal and a seating of the same candidate race, then never both succeed: the candidate ends withdrawn or seated", async () => {
    for (let round = 0; round < 8; round++) {
      const c = await registerTestCandidate(env.node, { name: "钱竞争" });
      const session = await newSession();
      const [withdrawn, seated] = await Promise.all([
        officer.agent.post(`/api/candidates/${c.id}/withdraw`).send({ reason: "考生本人申请撤销" }),
        officer.agent.post(`/api/exam-sessions/${session}/assignments`).send({ candidateId: c.id }),
      ]);
      expect([withdrawn.status, seated.status], `round ${round}`).to.not.deep.equal([200, 201]);
      // The loser is refused with a reason, never an error.
      expect([200, 409], `withdrawal, round ${round}`).to.include(withdrawn.status);
      expect([201, 409], `seating, round ${round}`).to.include(seated.status);
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: c.idNumber });
      const seats = await env.node.ctx.conn
        .collection("seat_assignments")
        .countDocuments({ candidateId: c.id });
      expect(Boolean(stored?.withdrawnAt) && seats > 0, `round ${round}: withdrawn and seated`).to.equal(
        false,
      );
    }
  });

  it("when a name correction and a seating of the same candidate race, then the ticket always carries the stored name", async () => {
    for (let round = 0; round < 8; round++) {
      const c = await registerTestCandidate(env.node, { name: "孙竞争" });
      const session = await newSession();
      const [renamed, seated] = await Promise.all([
        officer.agent.patch(`/api/candidates/${c.id}`).send({ name: "孙竟争" }),
        officer.agent.post(`/api/exam-sessions/${session}/assignments`).send({ candidateId: c.id }),
      ]);
      // Both may succeed (renamed, then seated under the new name); a refusal says why.
      expect([200, 409], `correction, round ${round}`).to.include(renamed.status);
      expect([201, 409], `seating, round ${round}`).to.include(seated.status);
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: c.idNumber });
      const ticket = await env.node.ctx.conn.collection("seat_assignments").findOne({ candidateId: c.id });
      if (ticket) expect(ticket.name, `round ${round}`).to.equal(stored?.name);
      if (seated.status === 409) expect(seated.body.error.code).to.equal("candidate_changed");
      if (renamed.status === 409) expect(renamed.body.error.code).to.equal("candidate_seated");
    }
  });

  it("when a seated candidate's name is corrected or the registration withdrawn, then both are refused until the seat is freed", async () => {
    const c = await registerTestCandidate(env.node, { name: "郑座位" });
    const session = await seat(c.id);
    const rename = await officer.agent.patch(`/api/candidates/${c.id}`).send({ name: "郑作为" }).expect(409);
    expect(rename.body.error.code).to.equal("candidate_seated");
    // The refusal says where the seat is, so an office that cannot see the session knows whom to ask.
    const held = await env.node.ctx.conn.collection("exam_sessions").findOne({ _id: new ObjectId(session) });
    expect(rename.body.error.details).to.include({
      sessionId: session,
      testCentreName: held?.testCentreName,
      roomName: held?.roomName,
    });
    expect(rename.body.error.message).to.include(String(held?.roomName));
    const withdraw = await officer.agent
      .post(`/api/candidates/${c.id}/withdraw`)
      .send({ reason: "考生本人申请撤销" })
      .expect(409);
    expect(withdraw.body.error.message).to.include("请先取消座位安排");
    expect((await officer.agent.get(`/api/candidates/${c.id}`).expect(200)).body.candidate).to.include({
      name: "郑座位",
      withdrawn: false,
    });

    await officer.agent.delete(`/api/exam-sessions/${session}/assignments/${c.id}`).expect(204);
    await officer.agent
      .post(`/api/candidates/${c.id}/withdraw`)
      .send({ reason: "考生本人申请撤销" })
      .expect(200);
    const [entry] = await audits("candidate.withdrawn", c.id);
    expect(entry?.details).to.include({ candidateName: "郑座位", reason: "考生本人申请撤销" });
  });

  it("when a registration is withdrawn, then it leaves the lists, cannot be seated, and is still readable", async () => {
    const c = await registerTestCandidate(env.node, { name: "王撤销" });
    await officer.agent.post(`/api/candidates/${c.id}/withdraw`).send({ reason: "重复报名" }).expect(200);
    const listed = (await officer.agent.get("/api/candidates?limit=200").expect(200)).body.candidates as {
      id: string;
    }[];
    expect(listed.some((x) => x.id === c.id)).to.equal(false);
    const all = (await officer.agent.get("/api/candidates?limit=200&withdrawn=include").expect(200)).body
      .candidates as { id: string; withdrawn: boolean }[];
    expect(all.find((x) => x.id === c.id)?.withdrawn).to.equal(true);
    const session = await newSession();
    const refused = await officer.agent
      .post(`/api/exam-sessions/${session}/assignments`)
      .send({ candidateId: c.id })
      .expect(409);
    expect(refused.body.error.code).to.equal("candidate_withdrawn");
    const again = await officer.agent
      .post(`/api/candidates/${c.id}/withdraw`)
      .send({ reason: "重复报名" })
      .expect(409);
    expect(again.body.error.code).to.equal("candidate_withdrawn");
  });
});
