import { expect } from "chai";
import { fixtureScheduling, tinyPapers } from "../../../scripts/bench/exam-fixtures.js";
import { createExamService } from "../../../server/exams/index.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

const MINUTE = 60_000;

/**
 * How long a candidate's login holds past its window is exam delivery's answer (`sittingUntil`),
 * and deadlines are kept in the database's time. The identity feature compared that answer with
 * its instance's own clock: an instance a minute ahead of the database refused a candidate's
 * saves and page a minute before their deadline. Exam delivery now decides on its database clock
 * whether the sitting still holds, and the identity feature takes its answer as it is.
 */
describe("exam delivery: whether a sitting still holds, on the database's clock", function () {
  this.timeout(60_000);
  const env = useExamNode();

  /** Exam delivery on this node's database with a database clock `skewMs` off this process's. */
  const deliveryAt = (skewMs: number) =>
    createExamService(env.node.ctx, {
      scheduling: fixtureScheduling(env.node.ctx.conn),
      papers: tinyPapers(),
      audit: env.node.audit,
      notifier: { toRoom: () => undefined },
      now: () => new Date(Date.now() + skewMs),
    });

  it("when the database clock has passed a candidate's deadline and grace while this instance's has not, then the sitting is over", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      const { Attempts } = examDb(env.node.ctx.conn);
      const deadline = (await Attempts.findById(c.attemptId).lean())?.deadline;
      if (!deadline) throw new Error("not started");
      const sessionId = room.session.id;
      const candidateId = room.assignments[0]!.candidateId;
      // The database's clock two minutes past the deadline; this instance's still before it.
      const ahead = deadline.getTime() + 2 * MINUTE - Date.now();
      expect(await deliveryAt(ahead).sittingUntil(sessionId, candidateId)).to.equal(null);
      // On a database clock before the deadline it holds until the deadline and grace, in the
      // database's time (the asker compares nothing of its own).
      const grace = env.node.ctx.config.exam.graceSeconds * 1000;
      expect((await deliveryAt(0).sittingUntil(sessionId, candidateId))?.getTime()).to.equal(
        deadline.getTime() + grace,
      );
      expect((await deliveryAt(-10 * MINUTE).sittingUntil(sessionId, candidateId))?.getTime()).to.equal(
        deadline.getTime() + grace,
      );
    } finally {
      room.close();
    }
  });
});
