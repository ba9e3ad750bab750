import { expect } from "chai";
import { outboxModel } from "../../../server/lib/outbox.js";
import { tinyKey } from "../../../scripts/bench/exam-fixtures.js";
import { call, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * A void of a handed-in attempt tells the certificates feature (`exam.voided`, in the void's own
 * transaction and ordered after the person's pass); a void before hand-in had no pass to take back.
 */
describe("exam delivery: voiding a handed-in attempt", () => {
  const env = useExamNode();

  it("when the proctor voids a handed-in attempt, then one exam.voided entry naming the pass and the note is written; voiding one still running writes none", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    const [handedIn, running] = room.candidates;
    if (!handedIn || !running) throw new Error("fixture");
    try {
      // The handed-in one passes (every answer right), so there is a pass to take back.
      for (let i = 0; i < 10; i++) await handedIn.answer(i, tinyKey(i));
      ok(await handedIn.submit());
      ok(
        await call(room.proctor, "proctor:void", {
          attemptId: handedIn.attemptId,
          note: "考生携带手机，违纪",
        }),
      );
      ok(await call(room.proctor, "proctor:void", { attemptId: running.attemptId, note: "替考，违纪" }));
      const attempt = await examDb(env.node.ctx.conn).Attempts.findById(handedIn.attemptId).lean();
      const events = await outboxModel(env.node.ctx.conn)
        .find({ name: { $in: ["exam.passed", "exam.voided"] } })
        .sort({ subjectSeq: 1 })
        .lean();
      // The person's pass, then its void, numbered in commit order; nothing for the running one.
      expect(events.map((e) => e.name)).to.deep.equal(["exam.passed", "exam.voided"]);
      // The void names the very pass it takes back, as the pass's own event carried it.
      expect(events[1]?.payload).to.deep.equal({
        pass: events[0]?.payload,
        note: "考生携带手机，违纪",
        voidedAt: attempt?.voidedAt?.toISOString(),
      });
      expect((events[0]?.payload as { attemptId: string }).attemptId).to.equal(handedIn.attemptId);
    } finally {
      room.close();
    }
  });

  it("when the session's results are published between the proctor's check and the void, then the void is refused and the official pass stands with its attempt", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [handedIn] = room.candidates;
    if (!handedIn) throw new Error("fixture");
    const Publications = env.node.ctx.conn.model("ExamPublication");
    const exists = Publications.exists.bind(Publications);
    try {
      for (let i = 0; i < 10; i++) await handedIn.answer(i, tinyKey(i));
      ok(await handedIn.submit());
      // The desk asks "published?" (no), and the officer's publication commits right after.
      let published = false;
      Publications.exists = ((filter: Record<string, unknown>) => {
        const asked = exists(filter);
        if (!published && filter.sessionId === room.session.id) {
          published = true;
          const run = asked.exec.bind(asked);
          asked.exec = (async () => {
            const found = await run();
            const db = env.node.ctx.conn;
            await db
              .collection("exam_results")
              .updateMany({ sessionId: room.session.id }, { $set: { official: true } });
            await db
              .collection("exam_publications")
              .insertOne({ sessionId: room.session.id, at: new Date(), by: "officer", report: {} });
            return found;
          }) as typeof asked.exec;
        }
        return asked;
      }) as typeof Publications.exists;
      const answer = await call(room.proctor, "proctor:void", {
        attemptId: handedIn.attemptId,
        note: "违纪",
      });
      expect(published).to.equal(true);
      expect(answer.ok).to.equal(false);
      if (!answer.ok) expect(answer.error.code).to.equal("results_locked");
      const attempt = await examDb(env.node.ctx.conn).Attempts.findById(handedIn.attemptId).lean();
      expect(attempt?.status).to.equal("submitted");
      expect(
        await env.node.ctx.conn
          .collection("exam_results")
          .countDocuments({ attemptId: handedIn.attemptId, official: true }),
      ).to.equal(1);
      expect(
        await outboxModel(env.node.ctx.conn).countDocuments({ key: `exam.voided:${handedIn.attemptId}` }),
      ).to.equal(0);
    } finally {
      Publications.exists = exists;
      room.close();
    }
  });
});
