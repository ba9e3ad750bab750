import { expect } from "chai";
import { examDb } from "../exams/support/models.js";
import { aRoom, useExamNode, type Room } from "../exams/support/setup.js";

/** The code an action was refused with (none: it was not refused). */
async function refusedWith(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? "unknown";
  }
}

/**
 * A console looping an action (a stuck button, a script) must not grow a candidate's attempt
 * without bound, nor spend the saves the candidate is allowed: proctor changes are bounded apart.
 */
describe("proctoring: bounds on the changes a console makes to one attempt", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const Attempts = () => examDb(env.node.ctx.conn).Attempts;
  const ask = (room: Room, minutes = 5) =>
    env.node.delivery.proctoring.extend(room.proctorUser, {
      attemptId: room.candidates[0]!.attemptId,
      minutes,
      reason: "设备故障",
      requireSecondApprover: true,
    });

  it("when five extension requests already wait for a candidate, then a sixth is refused and nothing is written", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      for (let i = 0; i < 5; i++) await ask(room);
      const before = await Attempts().findById(room.candidates[0]!.attemptId).lean();
      expect(await refusedWith(ask(room))).to.equal("too_many_pending_extensions");
      const after = await Attempts().findById(room.candidates[0]!.attemptId).lean();
      expect(after?.pendingExtensions).to.have.length(5);
      expect(after?.chainN).to.equal(before?.chainN);
    } finally {
      room.close();
    }
  });

  it("when a candidate has been paused as often as allowed, then pausing them alone is refused and they keep writing", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const id = room.candidates[0]!.attemptId;
      const at = Date.now() - 3_600_000;
      const pauses = Array.from({ length: 30 }, (_, i) => ({
        from: new Date(at + i * 1000),
        to: new Date(at + i * 1000 + 500),
      }));
      await Attempts().updateOne({ _id: id }, { $set: { pauses } });
      const pause = env.node.delivery.proctoring.pause(room.proctorUser, room.session.id, [id], "疑似作弊");
      expect(await refusedWith(pause)).to.equal("pauses_exhausted");
      expect((await Attempts().findById(id).lean())?.pausedAt ?? null).to.equal(null);
      expect(await room.candidates[0]!.answer(0, ["T"])).to.include({ applied: true });
    } finally {
      room.close();
    }
  });

  it("when the room is paused and one seat is at its pause limit and another at its control budget, then the rest are paused and those two are reported with their own codes", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const [spentPauses, spentControls, running] = room.candidates.map((c) => c.attemptId);
      const at = Date.now() - 3_600_000;
      const pauses = Array.from({ length: 30 }, (_, i) => ({
        from: new Date(at + i * 1000),
        to: new Date(at + i * 1000 + 500),
      }));
      await Attempts().updateOne({ _id: spentPauses }, { $set: { pauses } });
      await Attempts().updateOne({ _id: spentControls }, { $set: { controlEvents: 200 } });
      const r = await env.node.delivery.proctoring.pause(
        room.proctorUser,
        room.session.id,
        undefined,
        "考场停电",
      );
      expect(r.affected).to.deep.equal([running]);
      expect(r.skipped).to.have.deep.members([
        { attemptId: spentPauses, code: "pauses_exhausted" },
        { attemptId: spentControls, code: "controls_exhausted" },
      ]);
      expect((await Attempts().findById(spentPauses).lean())?.pausedAt ?? null).to.equal(null);
      expect((await Attempts().findById(running).lean())?.pausedAt).to.be.instanceOf(Date);
    } finally {
      room.close();
    }
  });

  it("when a console's changes have used up their own budget, then a further one is refused and the candidate's saves still land", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const id = room.candidates[0]!.attemptId;
      await Attempts().updateOne({ _id: id }, { $set: { controlEvents: 200 } });
      expect(await refusedWith(ask(room))).to.equal("controls_exhausted");
      expect(await room.candidates[0]!.answer(0, ["T"])).to.include({ applied: true });
    } finally {
      room.close();
    }
  });
});
