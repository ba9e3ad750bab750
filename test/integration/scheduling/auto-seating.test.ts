import { expect } from "chai";
import type { AutoAssignResultDto } from "../../../server/contracts/scheduling.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createTestRoom, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** Issue 14: a whole session is seated in one go, bound seats first, every refusal named. */
describe("automatic seating (自动排座)", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  let day = 1;

  /** A session in a room of `seats` whose seat 1 is not bound to a seat computer. */
  async function aSessionWithUnboundSeatOne(seats: number) {
    const room = await createTestRoom(env.node, { seats });
    const first = room.seats[0];
    if (!first) throw new Error("fixture");
    await createOrganisationService(env.node.ctx.conn, env.node.ctx.config.provinceCode, undefined, {
      timeZone: env.node.ctx.config.timeZone,
    }).updateSeat(
      {
        id: "test-admin",
        kind: "staff",
        roles: ["admin"],
        displayName: "管理员",
        divisionCode: "320000",
        provinceCode: "320000",
      },
      room.testCentreId,
      room.roomId,
      first.seatId,
      { clearToken: true },
    );
    const res = await officer.agent
      .post("/api/exam-sessions")
      .send({
        categoryCode: "01001",
        testCentreId: room.testCentreId,
        roomId: room.roomId,
        startsAt: new Date(Date.now() + day++ * 86_400_000).toISOString(),
      })
      .expect(201);
    return res.body.session as { id: string };
  }

  it("when an officer seats named candidates automatically, then bound seats fill first and refusals are named, with nothing written for them", async () => {
    const session = await aSessionWithUnboundSeatOne(3);
    const ok1 = await registerTestCandidate(env.node, { name: "甲考生" });
    const ok2 = await registerTestCandidate(env.node, { name: "乙考生" });
    const freight = await registerTestCandidate(env.node, { name: "丙考生", categories: ["02001"] });
    const res = await officer.agent
      .post(`/api/exam-sessions/${session.id}/auto-assign`)
      .send({ candidateIds: [ok1.id, freight.id, ok2.id] })
      .expect(200);
    const result = res.body as AutoAssignResultDto;
    expect(result.seated.map((s) => [s.name, s.seatNo])).to.deep.equal([
      ["甲考生", 2],
      ["乙考生", 3],
    ]);
    expect(result.refused).to.deep.equal([
      {
        candidateId: freight.id,
        name: "丙考生",
        code: "not_applied",
        message: "该考生未报考经营性道路旅客运输驾驶员",
      },
    ]);
    const seated = await env.node.ctx.conn
      .collection("seat_assignments")
      .find({ sessionId: session.id })
      .toArray();
    expect(seated.map((a) => a.candidateId).sort()).to.deep.equal([ok1.id, ok2.id].sort());
  });

  it("when an officer names a candidate of another division, then the refusal reads exactly as for an unknown id and names nobody", async () => {
    const session = await aSessionWithUnboundSeatOne(3);
    const elsewhere = await registerTestCandidate(env.node, { name: "外市考生", divisionCode: "320500" });
    const unknown = "0123456789abcdef01234567";
    const result = (
      await officer.agent
        .post(`/api/exam-sessions/${session.id}/auto-assign`)
        .send({ candidateIds: [elsewhere.id, unknown] })
        .expect(200)
    ).body as AutoAssignResultDto;
    expect(result.seated).to.deep.equal([]);
    const [outOfScope, notThere] = result.refused;
    expect(outOfScope?.candidateId).to.equal(elsewhere.id);
    expect(notThere?.candidateId).to.equal(unknown);
    expect({ ...outOfScope, candidateId: "" }).to.deep.equal({ ...notThere, candidateId: "" });
    expect(notThere).to.include({ name: "（未知考生）", code: "not_found" });
    expect(JSON.stringify(result)).not.to.contain("外市考生");
    expect(
      await env.node.ctx.conn.collection("seat_assignments").countDocuments({ sessionId: session.id }),
    ).to.equal(0);
  });

  it("when no candidates are named, then the waiting ones of the category are seated in registration order until the room is full", async () => {
    const session = await aSessionWithUnboundSeatOne(2);
    // Start from a clean slate: only the candidates below are waiting in this node's 南京.
    await env.node.ctx.conn.collection("candidates").deleteMany({});
    const first = await registerTestCandidate(env.node, { name: "先报名" });
    const second = await registerTestCandidate(env.node, { name: "后报名" });
    const third = await registerTestCandidate(env.node, { name: "最后报名" });
    await registerTestCandidate(env.node, { name: "货运考生", categories: ["02001"] });
    const result = (
      await officer.agent.post(`/api/exam-sessions/${session.id}/auto-assign`).send({}).expect(200)
    ).body as AutoAssignResultDto;
    expect(result.seated.map((s) => [s.candidateId, s.seatNo])).to.deep.equal([
      [first.id, 2],
      [second.id, 1],
    ]);
    expect(result.refused.map((r) => [r.candidateId, r.code])).to.deep.equal([[third.id, "session_full"]]);

    // Run again: nobody is seated twice, and the one left over is still reported.
    const again = (
      await officer.agent.post(`/api/exam-sessions/${session.id}/auto-assign`).send({}).expect(200)
    ).body as AutoAssignResultDto;
    expect(again.seated).to.deep.equal([]);
    expect(again.refused.map((r) => r.name)).to.deep.equal(["最后报名"]);
  });

  it("when a waiting candidate already passed the category, then automatic seating leaves them out and seating them by hand is refused", async () => {
    const session = await aSessionWithUnboundSeatOne(3);
    await env.node.ctx.conn.collection("candidates").deleteMany({});
    const passer = await registerTestCandidate(env.node, { name: "已合格" });
    const waiter = await registerTestCandidate(env.node, { name: "待考生" });
    // A finished, passed attempt of the category, as exam delivery stores one when it closes.
    await env.node.ctx.conn.collection("exam_attempts").insertOne({
      _id: `passed-${passer.id}` as never,
      candidateId: passer.id,
      categoryCode: "01001",
      sessionId: "an-earlier-session",
      status: "submitted",
      submittedAt: new Date(Date.now() - 7 * 86_400_000),
      result: { passed: true, score: 92, passMark: 80 },
    });
    const result = (
      await officer.agent.post(`/api/exam-sessions/${session.id}/auto-assign`).send({}).expect(200)
    ).body as AutoAssignResultDto;
    expect(result.seated.map((s) => s.name)).to.deep.equal(["待考生"]);
    expect(result.refused).to.deep.equal([]);

    const byHand = (
      await officer.agent
        .post(`/api/exam-sessions/${session.id}/auto-assign`)
        .send({ candidateIds: [passer.id] })
        .expect(200)
    ).body as AutoAssignResultDto;
    expect(byHand.seated).to.deep.equal([]);
    expect(byHand.refused.map((r) => r.code)).to.deep.equal(["already_passed"]);
    expect(byHand.refused[0]?.message).to.match(/^该考生已于 \d{4}年\d{1,2}月\d{1,2}日 通过本类别考试/);
    const seated = await env.node.ctx.conn
      .collection("seat_assignments")
      .find({ sessionId: session.id })
      .toArray();
    expect(seated.map((a) => a.candidateId)).to.deep.equal([waiter.id]);
  });

  it("when more than five hundred candidates registered after the one still waiting, then the first registered is seated first all the same", async () => {
    const session = await aSessionWithUnboundSeatOne(2);
    await env.node.ctx.conn.collection("candidates").deleteMany({});
    const earliest = await registerTestCandidate(env.node, { name: "最早报名" });
    // 520 later registrations, already seated in another open session of the category.
    const later = Array.from({ length: 520 }, (_, i) => `later-${i}-${Math.random().toString(36).slice(2)}`);
    const registeredAt = Date.now();
    await env.node.ctx.conn.collection("candidates").insertMany(
      later.map((id, i) => ({
        _id: id as never,
        name: `后报名${i}`,
        idNumber: `L${i}`,
        categories: ["01001"],
        divisionCode: "320100",
        withdrawnAt: null,
        createdAt: new Date(registeredAt + 1000 + i),
      })),
    );
    await env.node.ctx.conn.collection("seat_assignments").insertMany(
      later.map((candidateId) => ({
        sessionId: "another-open-session",
        candidateId,
        ticketNo: `T-${candidateId}`,
        seatId: `seat-${candidateId}`,
        categoryCode: "01001",
        endsAt: new Date(Date.now() + 30 * 86_400_000),
      })),
    );
    try {
      const result = (
        await officer.agent.post(`/api/exam-sessions/${session.id}/auto-assign`).send({}).expect(200)
      ).body as AutoAssignResultDto;
      expect(result.seated.map((s) => s.candidateId)).to.deep.equal([earliest.id]);
    } finally {
      await env.node.ctx.conn
        .collection("seat_assignments")
        .deleteMany({ sessionId: "another-open-session" });
      await env.node.ctx.conn.collection("candidates").deleteMany({ _id: { $in: later as never[] } });
    }
  });

  it("when the body is malformed, then 400 and nothing is seated", async () => {
    const session = await aSessionWithUnboundSeatOne(2);
    const res = await officer.agent
      .post(`/api/exam-sessions/${session.id}/auto-assign`)
      .send({ candidateIds: [] })
      .expect(400);
    expect(res.body.error.code).to.equal("validation_failed");
    expect(
      await env.node.ctx.conn.collection("seat_assignments").countDocuments({ sessionId: session.id }),
    ).to.equal(0);
  });
});
