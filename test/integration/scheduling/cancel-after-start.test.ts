import { expect } from "chai";
import { Types } from "mongoose";
import { scheduleCandidates, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A session that could not be held (the room lost power, the exam system failed before the
 * release) is cancelled after its start, so its candidates are not published as 缺考; once anyone
 * was admitted or the papers released, the proctor's tools handle the room instead.
 */
describe("scheduling: cancelling a session after its start", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const sessions = () => env.node.ctx.conn.collection("exam_sessions");
  const seats = () => env.node.ctx.conn.collection("seat_assignments");

  /** A seated session whose start passed ten minutes ago (`extra` set on the session as stored). */
  async function aStartedSession(extra: Record<string, unknown> = {}) {
    const { session, candidates } = await scheduleCandidates(env.node, { count: 2 });
    const startsAt = new Date(Date.now() - 10 * 60_000);
    const endsAt = new Date(startsAt.getTime() + session.durationMinutes * 60_000);
    await sessions().updateOne(
      { _id: new Types.ObjectId(session.id) },
      { $set: { startsAt, endsAt, ...extra } },
    );
    await seats().updateMany({ sessionId: session.id }, { $set: { startsAt, endsAt } });
    return { session, candidates };
  }
  const statusOf = async (id: string) => (await sessions().findOne({ _id: new Types.ObjectId(id) }))?.status;

  it("when a started session was never released and no one was admitted, then it is cancelled with its seats and audited", async () => {
    const { session } = await aStartedSession();
    const res = await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.session).to.include({ status: "cancelled" });
    expect(await seats().countDocuments({ sessionId: session.id, sessionCancelled: true })).to.equal(2);
    expect(
      await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "session.cancelled", "target.id": session.id }),
    ).to.equal(1);
  });

  it("when a started session has an admitted candidate, then the cancellation is refused as session_admitted and it stays scheduled", async () => {
    const { session, candidates } = await aStartedSession();
    await seats().updateOne(
      { sessionId: session.id, candidateId: candidates[0]?.id },
      { $set: { admittedAt: new Date() } },
    );
    const res = await officer.agent
      .patch(`/api/exam-sessions/${session.id}`)
      .send({ status: "cancelled" })
      .expect(409);
    expect(res.body.error.code).to.equal("session_admitted");
    expect(res.body.error.message).to.match(/取消/);
    expect(await statusOf(session.id)).to.equal("scheduled");
  });

  it("when a started session was released, then the cancellation is refused as session_released", async () => {
    const { session } = await aStartedSession({ releasedAt: new Date(Date.now() - 5 * 60_000) });
    const res = await officer.agent
      .patch(`/api/exam-sessions/${session.id}`)
      .send({ status: "cancelled" })
      .expect(409);
    expect(res.body.error.code).to.equal("session_released");
    expect(await statusOf(session.id)).to.equal("scheduled");
  });

  it("when a started session's results were published (every candidate 缺考), then the cancellation is refused as results_published", async () => {
    const { session } = await aStartedSession();
    // The exam feature's record of a publication, as results.publish leaves it for this session.
    await env.node.ctx.conn
      .collection("exam_publications")
      .insertOne({ sessionId: session.id, publishedAt: new Date(), report: {} });
    const res = await officer.agent
      .patch(`/api/exam-sessions/${session.id}`)
      .send({ status: "cancelled" })
      .expect(409);
    expect(res.body.error.code).to.equal("results_published");
    expect(await statusOf(session.id)).to.equal("scheduled");
  });

  it("when a started session is given new rules rather than cancelled, then it is still refused as session_started", async () => {
    const { session } = await aStartedSession();
    const res = await officer.agent
      .patch(`/api/exam-sessions/${session.id}`)
      .send({ lateEntryMinutes: 30 })
      .expect(409);
    expect(res.body.error.code).to.equal("session_started");
  });
});
