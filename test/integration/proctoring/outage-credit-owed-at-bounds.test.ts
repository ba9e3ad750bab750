import { expect } from "chai";
import { MAX_PENDING_OUTAGE_REQUESTS } from "../../../server/exams/pending-extensions.js";
import { examDb } from "../exams/support/models.js";
import { call, ok } from "../exams/support/clients.js";
import {
  aRoom,
  aSecondProctor,
  creditOutage,
  outageProposalOf,
  useExamNode,
  wholeRoomAway,
} from "../exams/support/setup.js";

/**
 * An outage credit is time the room's outage cost the candidate, not a proctor's discretionary
 * change: the bounds on a proctor's changes to one attempt (its budget of proctor events, five
 * extension requests waiting) do not refuse it. Refused there, the seat's drops were marked
 * credited all the same, so the deadline sweep no longer held it and closed it past its deadline,
 * and the advice to give its time by hand was impossible (every extension spends a proctor event).
 */
describe("proctoring: an outage credit is owed time, not bounded like a proctor's changes", () => {
  // Three minutes of outage reach the approval line only with the 8 accommodation minutes below.
  const env = useExamNode({ env: { EXAM_EXTENSION_APPROVAL_MINUTES: "10" }, sweepIntervalMs: 3_600_000 });
  const Attempts = () => examDb(env.node.ctx.conn).Attempts;
  const m = 60_000;

  const creditedOf = async (id: string) =>
    (await Attempts().findById(id, { creditedMinutes: 1 }).lean())?.creditedMinutes ?? 0;
  const deadlineOf = async (id: string) =>
    (await Attempts().findById(id, { deadline: 1 }).lean())?.deadline?.getTime() ?? 0;

  it("when one seat's budget of proctor events is spent and another has five extension requests waiting and a credit needing approval, then the first is credited and the second's credit is filed as a sixth request that a second proctor can approve", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const [crowded, spent, plain] = room.candidates.map((c) => c.attemptId);
      if (!crowded || !spent || !plain) throw new Error("fixture: three seats");
      for (let i = 0; i < 5; i++)
        await env.node.delivery.proctoring.extend(room.proctorUser, {
          attemptId: crowded,
          minutes: 5,
          reason: "设备故障",
          requireSecondApprover: true,
        });
      await Attempts().updateOne({ _id: crowded }, { $set: { accommodationMinutes: 8, controlEvents: 200 } });
      await Attempts().updateOne({ _id: spent }, { $set: { controlEvents: 200 } });
      await wholeRoomAway(env.node, room, { agoMs: 10 * m, awayMs: 3 * m });
      const proposal = await outageProposalOf(room);
      expect(proposal.minutes).to.equal(3);
      const before = {
        spent: await deadlineOf(spent),
        plain: await deadlineOf(plain),
        crowdedMinutes: await creditedOf(crowded),
      };

      const res = await creditOutage(room, proposal, "考场网络中断");
      expect([...res.affected].sort()).to.deep.equal([spent, plain].sort());
      expect(res.skipped).to.deep.equal([{ attemptId: crowded, code: "approval_pending" }]);
      expect((await deadlineOf(spent)) - before.spent).to.equal(3 * m);
      expect((await deadlineOf(plain)) - before.plain).to.equal(3 * m);
      const doc = await Attempts().findById(crowded).lean();
      expect(doc?.pendingExtensions).to.have.length(6);
      const request = doc?.pendingExtensions.find((p) => p.outage);
      if (!request) throw new Error("no outage request filed");

      ok(
        await call(second, "proctor:approve_extension", {
          attemptId: crowded,
          requestId: request.requestId,
          approve: true,
        }),
      );
      // Its minutes, not its deadline: the fixture set its accommodation without moving its deadline.
      expect(await creditedOf(crowded)).to.equal(before.crowdedMinutes + 3);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a seat already holds as many outage credits waiting for approval as an attempt keeps, then it alone is skipped with its code and its drops stay uncredited, and the rest of the room is credited", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const [full, a, b] = room.candidates.map((c) => c.attemptId);
      if (!full || !a || !b) throw new Error("fixture: three seats");
      const waiting = Array.from({ length: MAX_PENDING_OUTAGE_REQUESTS }, (_, i) => ({
        requestId: `ext_fixture${i}`,
        minutes: 1,
        reason: "断线补时：早先的断线",
        requestedBy: "proctor-x",
        requestedByName: "某监考",
        requestedAt: new Date(),
        outage: { reason: "早先的断线" },
      }));
      await Attempts().updateOne(
        { _id: full },
        { $set: { accommodationMinutes: 8, pendingExtensions: waiting } },
      );
      await wholeRoomAway(env.node, room, { agoMs: 10 * m, awayMs: 3 * m });
      const proposal = await outageProposalOf(room);

      const res = await creditOutage(room, proposal, "考场网络中断");
      expect([...res.affected].sort()).to.deep.equal([a, b].sort());
      expect(res.skipped).to.deep.equal([{ attemptId: full, code: "too_many_pending_extensions" }]);
      const doc = await Attempts().findById(full).lean();
      expect(doc?.pendingExtensions).to.have.length(MAX_PENDING_OUTAGE_REQUESTS);
      expect(doc?.away.map((w) => w.credited)).to.deep.equal([false]);
    } finally {
      room.close();
    }
  });
});
