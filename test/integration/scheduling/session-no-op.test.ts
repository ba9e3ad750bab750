import { expect } from "chai";
import type { ExamSessionDto } from "../../../server/contracts/scheduling.js";
import { aSessionThroughApi, registerTestCandidate, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const DAY = 86_400_000;

/**
 * A change of a session that changes nothing (the page sends the times and rules it shows) is no
 * change: the audit log records what happened to a session, and the seats' write would needlessly
 * conflict with the check-ins of the room. A cancellation of a cancelled session stays refused
 * `session_cancelled`, as every change of one is.
 */
describe("scheduling: a session change that changes nothing", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  const entriesOf = (id: string) =>
    env.node.ctx.conn.collection("audit_log").countDocuments({ "target.id": id });
  const admissionsOf = async (sessionId: string) =>
    (
      await env.node.ctx.conn
        .collection("seat_assignments")
        .find({ sessionId }, { projection: { _id: 0, admissions: 1 } })
        .toArray()
    ).map((a) => a.admissions as number);

  it("when an officer sends a session's own start, length and rules again, then nothing is written and the answer is the session as it stands", async () => {
    const session = await aSessionThroughApi(env.node, officer, new Date(Date.now() + 9 * DAY), 2);
    const c = await registerTestCandidate(env.node, { name: "郑不变" });
    await officer.agent
      .post(`/api/exam-sessions/${session.id}/assignments`)
      .send({ candidateId: c.id })
      .expect(201);
    const entries = await entriesOf(session.id);
    const admissions = await admissionsOf(session.id);

    const res = await officer.agent
      .patch(`/api/exam-sessions/${session.id}`)
      .send({
        startsAt: session.startsAt,
        durationMinutes: session.durationMinutes,
        lateEntryMinutes: session.lateEntryMinutes,
        earliestHandInMinutes: session.earliestHandInMinutes,
      })
      .expect(200);
    expect(res.body.session as ExamSessionDto).to.deep.equal(
      (await officer.agent.get(`/api/exam-sessions/${session.id}`).expect(200)).body.session,
    );
    expect(await entriesOf(session.id)).to.equal(entries);
    expect(await admissionsOf(session.id)).to.deep.equal(admissions);
  });

  it("when an officer cancels a session already cancelled, then it is refused session_cancelled and no second entry is written", async () => {
    const session = await aSessionThroughApi(env.node, officer, new Date(Date.now() + 10 * DAY));
    await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);
    const entries = await entriesOf(session.id);
    const again = await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" });
    expect([again.status, again.body.error?.code]).to.deep.equal([409, "session_cancelled"]);
    expect(await entriesOf(session.id)).to.equal(entries);
  });
});
