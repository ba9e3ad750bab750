import { expect } from "chai";
import { call, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * A paused attempt is the proctor's: the candidate can neither save nor hand in until it is
 * resumed. The hand-in checks the pause when it reads the attempt and again in its closing claim,
 * since a pause can land between the two (another instance's proctor console).
 */
describe("exam delivery: hand-in while paused", () => {
  const env = useExamNode();

  it("when the proctor pauses the attempt between the hand-in's read and its claim, then the hand-in is refused attempt_paused and the attempt stays open", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    const { Attempts } = examDb(env.node.ctx.conn);
    const claim = Attempts.findOneAndUpdate.bind(Attempts);
    try {
      await c.answer(0, ["T"]);
      // The closing claim's query runs only after the pause is written, as if the proctor's pause
      // committed just after the hand-in's read.
      Attempts.findOneAndUpdate = ((...args: Parameters<typeof claim>) => {
        const query = claim(...args);
        const filter = args[0] as { _id?: unknown; status?: unknown } | undefined;
        if (filter?._id === c.attemptId && filter.status === "in_progress") {
          const exec = query.exec.bind(query);
          query.exec = (async () => {
            await Attempts.collection.updateOne({ _id: c.attemptId } as never, { $set: { pausedAt: new Date() } });
            return exec();
          }) as typeof query.exec;
        }
        return query;
      }) as typeof Attempts.findOneAndUpdate;
      const ack = await call(c.socket, "attempt:submit", { attemptId: c.attemptId, lastSeq: 1 });
      expect(!ack.ok && ack.error.code).to.equal("attempt_paused");
      const doc = await Attempts.findById(c.attemptId).lean();
      expect(doc?.status).to.equal("in_progress");
      expect(await examDb(env.node.ctx.conn).Results.countDocuments({ attemptId: c.attemptId })).to.equal(0);
    } finally {
      Attempts.findOneAndUpdate = claim;
      room.close();
    }
  });

  it("when the attempt is paused, then the hand-in is refused; once resumed it closes", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      await c.answer(0, ["T"]);
      ok(
        await call(room.proctor, "proctor:pause", {
          sessionId: room.session.id,
          attemptIds: [c.attemptId],
          reason: "考场设备检查",
        }),
      );
      const refused = await call(c.socket, "attempt:submit", { attemptId: c.attemptId, lastSeq: 1 });
      expect(!refused.ok && refused.error.code).to.equal("attempt_paused");
      ok(await call(room.proctor, "proctor:resume", { sessionId: room.session.id, attemptIds: [c.attemptId] }));
      const done = ok(await call(c.socket, "attempt:submit", { attemptId: c.attemptId, lastSeq: 1 }));
      expect(done.status).to.equal("submitted");
    } finally {
      room.close();
    }
  });
});
