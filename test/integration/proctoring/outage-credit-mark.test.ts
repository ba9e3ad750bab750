import { expect } from "chai";
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

/** The side record that marked an outage credit's request before the mark moved onto it. */
interface LegacySideRecord {
  _id: string;
  attemptId: string;
  requestedById: string;
  minutes: number;
  reason: string;
  pending: null;
  at: Date;
}

/**
 * An outage credit past the approval limit waits as a pending extension; approved, it is given as
 * the outage credit it is (owed time, the proctor's reason). That mark is a field of the pending
 * extension on the attempt, written with it; it used to be a side record in
 * proctor_extend_requests (`outage:<attemptId>:<requestId>`), which a request filed before the
 * move still has, and which approval still reads.
 */
describe("proctoring: the outage mark of a pending extension", () => {
  const env = useExamNode();
  const m = 60_000;
  const attempt = (id: string) => examDb(env.node.ctx.conn).Attempts.findById(id).lean();
  const sideRecords = (attemptIds: string[]) =>
    env.node.ctx.conn
      .collection<{ _id: string }>("proctor_extend_requests")
      .countDocuments({ attemptId: { $in: attemptIds }, _id: { $regex: /^outage:/ } });

  /** The room's one candidate is asked 20 minutes that need a second approver: the attempt and the pending request. */
  async function askTwentyMinutes(room: Awaited<ReturnType<typeof aRoom>>, reason: string) {
    const attemptId = room.candidates[0]!.attemptId;
    const asked = ok(
      await call(room.proctor, "proctor:extend", {
        attemptId,
        minutes: 20,
        reason,
        requireSecondApprover: true,
      }),
    );
    const requestId = asked.pending?.requestId;
    if (!requestId) throw new Error("the extension was not filed for approval");
    return { attemptId, requestId };
  }

  it("when an outage credit waits for approval, then each pending extension carries the outage mark with the proctor's reason, and no side record is written", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      await wholeRoomAway(env.node, room, { agoMs: 30 * m, awayMs: 25 * m });
      const res = await creditOutage(room, await outageProposalOf(room), "考场网络中断");
      expect(res.skipped.map((s) => s.code)).to.deep.equal([
        "approval_pending",
        "approval_pending",
        "approval_pending",
      ]);
      for (const id of ids) {
        const pending = (await attempt(id))?.pendingExtensions ?? [];
        expect(pending.map((p) => p.outage)).to.deep.equal([{ reason: "考场网络中断" }]);
      }
      expect(await sideRecords(ids)).to.equal(0);
    } finally {
      room.close();
    }
  });

  it("when a pending extension is not an outage credit, then it carries no outage mark and approved it is given as an extension", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const { attemptId, requestId } = await askTwentyMinutes(room, "考生电脑故障");
      expect((await attempt(attemptId))?.pendingExtensions.map((p) => p.outage ?? null)).to.deep.equal([
        null,
      ]);
      ok(await call(second, "proctor:approve_extension", { attemptId, requestId, approve: true }));
      const types = (await attempt(attemptId))?.events.map((e) => e.type) ?? [];
      expect(types).to.include("extend");
      expect(types).to.not.include("credit");
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a pending extension was marked an outage credit by a side record (filed before the mark moved), then approved it is still given as the outage credit, with the credit's reason", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const { attemptId, requestId } = await askTwentyMinutes(room, "断线补时：考场停电");
      // The side record as the node wrote it before the move.
      await env.node.ctx.conn.collection<LegacySideRecord>("proctor_extend_requests").insertOne({
        _id: `outage:${attemptId}:${requestId}`,
        attemptId,
        requestedById: room.proctorUser.id,
        minutes: 20,
        reason: "考场停电",
        pending: null,
        at: new Date(),
      });
      ok(await call(second, "proctor:approve_extension", { attemptId, requestId, approve: true }));
      const events = (await attempt(attemptId))?.events ?? [];
      expect(
        events.filter((e) => e.type === "credit").map((e) => (e.data as { reason?: string }).reason),
      ).to.deep.equal(["考场停电"]);
      expect(events.map((e) => e.type)).to.not.include("extend");
    } finally {
      second.close();
      room.close();
    }
  });
});
