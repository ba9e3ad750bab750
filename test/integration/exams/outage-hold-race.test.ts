import { expect } from "chai";
import type { Model } from "mongoose";
import { examDb } from "./support/models.js";
import {
  aRoomAfterAnOutage,
  creditOutage,
  expireAttempts,
  secondApproverSweptByHand,
  useExamNode,
} from "./support/setup.js";

/**
 * The deadline sweep reads the expired attempts, then each session's drops, then claims. An outage
 * credit that waits for a second approver, committed between the two reads, was seen by neither:
 * the first saw no pending request, the second saw the drops credited. The seat was then closed,
 * closing emptied its pending requests, and the credit was lost for good. The claim itself now
 * leaves such a seat open.
 */
describe("exam delivery: an outage credit landing in the middle of a deadline sweep", function () {
  this.timeout(60_000);
  // Every outage credit waits for a second approver; no sweep but the test's own.
  const env = useExamNode(secondApproverSweptByHand());
  const attempts = () => examDb(env.node.ctx.conn).Attempts;

  it("when a credit asking for a second approver commits between the sweep's read of expired attempts and its read of their drops, then the sweep leaves every seat open with its request", async () => {
    const { room, ids, proposal } = await aRoomAfterAnOutage(env.node);
    const model = attempts() as unknown as Model<unknown>;
    const original = model.find.bind(model);
    try {
      await expireAttempts(env.node, ids, 5_000);

      // The proctor's credit commits after the sweep read the expired attempts and just before it
      // reads the session's drops.
      let sawExpired = false;
      let asked: string[] | null = null;
      model.find = ((...args: Parameters<typeof original>) => {
        const query = original(...args);
        const filter = (args[0] ?? {}) as Record<string, unknown>;
        const fields = (args[1] ?? {}) as Record<string, unknown>;
        if ("deadline" in filter && filter.status === "in_progress") sawExpired = true;
        else if (sawExpired && asked === null && filter.sessionId === room.session.id && "away" in fields) {
          asked = [];
          const exec = query.exec.bind(query);
          query.exec = (async () => {
            const res = await creditOutage(room, proposal, "考点网络中断");
            asked = res.skipped.map((s) => s.code);
            return exec();
          }) as typeof query.exec;
        }
        return query;
      }) as typeof original;
      const closed = await env.node.delivery.exams.sweepOnce();
      Reflect.deleteProperty(model, "find");

      expect(asked, "fixture: the credit came in between").to.deep.equal(ids.map(() => "approval_pending"));
      expect(closed.filter((id) => ids.includes(id))).to.deep.equal([]);
      const after = await attempts()
        .find({ _id: { $in: ids } }, { status: 1, pendingExtensions: 1 })
        .lean();
      expect(after.map((a) => [a.status, a.pendingExtensions.filter((p) => p.outage).length])).to.deep.equal(
        ids.map(() => ["in_progress", 1]),
      );
    } finally {
      Reflect.deleteProperty(model, "find");
      room.close();
    }
  });
});
