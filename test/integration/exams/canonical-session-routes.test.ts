import { expect } from "chai";
import { Types } from "mongoose";
import type { SessionReportDto } from "../../../server/contracts/exams.js";
import { scheduleCandidates, staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A session id is an ObjectId, which the database's lookup also takes in upper case: the report,
 * its exports and the publication are made canonical at the route, so such an id reads and
 * publishes its session, and no publication is ever stored under the id as typed.
 */
describe("exam results: a session id typed in upper case", function () {
  this.timeout(120_000);
  const env = useTestNode();

  /** A session of one seated candidate who never came, over an hour ago: publishable. */
  async function anEndedSession() {
    const fixture = await scheduleCandidates(env.node, { count: 1 });
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const id = fixture.session.id;
    await env.node.ctx.conn
      .collection("exam_sessions")
      .updateOne({ _id: new Types.ObjectId(id) }, { $set: { startsAt: ago(180), endsAt: ago(120) } });
    await env.node.ctx.conn
      .collection("seat_assignments")
      .updateMany({ sessionId: id }, { $set: { startsAt: ago(180), endsAt: ago(120) } });
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320100" });
    return { id, officer };
  }

  it("when an officer publishes with the session id in upper case, then that session's results are published under its own id and nothing under the id as typed", async () => {
    const { id, officer } = await anEndedSession();
    const published = await officer.agent
      .post(`/api/exam-sessions/${id.toUpperCase()}/results/publish`)
      .send({});
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
    expect((published.body as SessionReportDto).attendance).to.include({ assigned: 1, absent: 1 });
    const publications = env.node.ctx.conn.collection("exam_publications");
    expect(await publications.countDocuments({ sessionId: id })).to.equal(1);
    expect(await publications.countDocuments({ sessionId: id.toUpperCase() })).to.equal(0);
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .find({ action: "exam.results_published" })
      .toArray();
    expect(entries.map((e) => e.target?.id))
      .to.include(id)
      .and.not.include(id.toUpperCase());
    // Published once: the same session typed either way is now locked.
    const again = await officer.agent.post(`/api/exam-sessions/${id}/results/publish`).send({});
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal("results_locked");
  });

  it("when the report and its exports are read with the session id in upper case, then they are that session's, named by its own id", async () => {
    const { id, officer } = await anEndedSession();
    const upper = `/api/exam-sessions/${id.toUpperCase()}`;
    const report = (await officer.agent.get(`${upper}/report`).expect(200)).body as SessionReportDto;
    expect(report.attendance).to.include({ assigned: 1 });
    const csv = await officer.agent.get(`${upper}/report.csv`).expect(200);
    expect(csv.headers["content-disposition"]).to.equal(`attachment; filename="session-${id}-report.csv"`);
    const xlsx = await officer.agent.get(`${upper}/report.xlsx`).expect(200);
    expect(xlsx.headers["content-disposition"]).to.equal(`attachment; filename="session-${id}-report.xlsx"`);
  });
});
