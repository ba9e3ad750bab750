import { expect } from "chai";
import { Types } from "mongoose";
import { inDays, useSchedulingNode } from "./support.js";

/** The officer's session list: totals, paging, time windows and each session's lifecycle. */
describe("scheduling sessions, seats and tickets", () => {
  const { env, officer, aSession } = useSchedulingNode();

  it("when sessions are listed, then the answer says how many the officer may see in all", async () => {
    await aSession(1);
    const body = (await officer.agent.get("/api/exam-sessions").expect(200)).body as {
      sessions: unknown[];
      total: number;
    };
    const visible = await env.node.ctx.conn
      .collection("exam_sessions")
      .countDocuments({ divisionCode: { $regex: "^3201" } });
    expect(body.total).to.equal(visible);
    expect(body.sessions).to.have.length(Math.min(visible, 100));
  });

  it("when sessions starting at one instant are read page by page, then each is listed once, and a time window keeps others out", async () => {
    const at = inDays(300);
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await aSession(1, { startsAt: at })).session.id);
    // Another session a minute later stays outside the window [at, at + 1 min).
    await aSession(1, { startsAt: new Date(Date.parse(at) + 60_000).toISOString() });
    const window = { from: at, to: new Date(Date.parse(at) + 60_000).toISOString(), limit: 2 };
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 5; page++) {
      const body = (
        await officer.agent
          .get("/api/exam-sessions")
          .query({ ...window, ...(before ? { before } : {}) })
          .expect(200)
      ).body as { sessions: { id: string }[]; total: number; next: string | null };
      expect(body.total).to.equal(5);
      seen.push(...body.sessions.map((x) => x.id));
      if (!body.next) break;
      before = body.next;
    }
    expect(seen).to.have.length(5);
    expect(new Set(seen)).to.deep.equal(ids);
  });

  it("when a session list is asked with a made-up cursor or a window that ends before it starts, then 400 and the field is named", async () => {
    const bad = await officer.agent.get("/api/exam-sessions").query({ before: "yesterday" });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.include("翻页位置");
    const backwards = await officer.agent.get("/api/exam-sessions").query({ from: inDays(2), to: inDays(1) });
    expect(backwards.status).to.equal(400);
    expect(backwards.body.error.message).to.include("结束时间");
  });

  it("when sessions are listed, then each says where it stands: scheduled, running, ended, published or cancelled", async () => {
    const lifecycleOf = async (id: string) =>
      (
        (await officer.agent.get("/api/exam-sessions").query({ limit: 200 }).expect(200)).body.sessions as {
          id: string;
          lifecycle: string;
        }[]
      ).find((s) => s.id === id)?.lifecycle;
    const { session } = await aSession(1);
    expect(await lifecycleOf(session.id)).to.equal("scheduled");
    const sessions = env.node.ctx.conn.collection("exam_sessions");
    const _id = new Types.ObjectId(session.id);
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await sessions.updateOne({ _id }, { $set: { startsAt: ago(10), endsAt: ago(-50) } });
    expect(await lifecycleOf(session.id)).to.equal("running");
    await sessions.updateOne({ _id }, { $set: { startsAt: ago(70), endsAt: ago(10) } });
    expect(await lifecycleOf(session.id)).to.equal("ended");
    await env.node.ctx.conn
      .collection("exam_publications")
      .insertOne({ sessionId: session.id, publishedAt: new Date(), publishedBy: "李考务", report: {} });
    expect(await lifecycleOf(session.id)).to.equal("published");
    const { session: other } = await aSession(1);
    await officer.agent.patch(`/api/exam-sessions/${other.id}`).send({ status: "cancelled" }).expect(200);
    expect(await lifecycleOf(other.id)).to.equal("cancelled");
  });
});
