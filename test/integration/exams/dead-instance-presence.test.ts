import { expect } from "chai";
import { examInstanceModel } from "../../../server/exams/attempt.model.js";
import { call, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode, type Room } from "./support/setup.js";

/**
 * An instance that dies takes no disconnect handler with it: its seats stay "online", held by it.
 * A seat coming back from it must count as away since the instance's last heartbeat, as a seat
 * whose own connection dropped does, or the room's outage is never proposed for credit.
 */
describe("exam delivery: seats held by an instance that died", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const m = 60_000;

  /** The room's seats `seats` as an instance `instanceId` that last beat `beatAgoMs` ago left them. */
  const heldBy = async (room: Room, seats: number[], instanceId: string, beatAgoMs: number) => {
    const at = Date.now();
    await examInstanceModel(env.node.ctx.conn).create({ _id: instanceId, seenAt: new Date(at - beatAgoMs) });
    const ids = seats.map((s) => room.candidates[s]!.attemptId);
    await examDb(env.node.ctx.conn).Attempts.updateMany(
      { _id: { $in: ids } },
      {
        $set: {
          online: true,
          disconnectedAt: null,
          heldBy: instanceId,
          seenAt: new Date(at - 10 * m),
          away: [],
        },
      },
    );
    return { ids, at };
  };
  const awayOf = async (id: string) =>
    (await examDb(env.node.ctx.conn).Attempts.findById(id).lean())?.away ?? [];

  it("when three of four seats come back from an instance dead for nearly three minutes, then each has a closed absence from its last heartbeat and the outage is proposed", async () => {
    const room = await aRoom(env.node, { candidates: 4, release: true });
    try {
      const dead = `dead-${room.session.id}`;
      // Dead a little under three minutes: its seats lost that much, three minutes rounded up.
      const beatAgoMs = 3 * m - 5_000;
      const { ids, at } = await heldBy(room, [0, 1, 2], dead, beatAgoMs);
      const proposed = new Promise((resolve) => room.proctor.once("session:outage", resolve));
      const before = Date.now();
      // Each page reconnects (to the live instance) as after its instance went away.
      for (const seat of [0, 1, 2]) await room.candidates[seat]!.connect();
      for (const id of ids) {
        const away = await awayOf(id);
        expect(away, id).to.have.length(1);
        const [w] = away;
        // The instance's last heartbeat, later than the seat's own (10 minutes before `at`).
        expect(w!.from.getTime()).to.equal(at - beatAgoMs);
        expect(w!.to?.getTime()).to.be.within(before, Date.now());
        expect(w!.credited).to.equal(false);
      }
      await proposed;
      const proposal = ok(
        await call(room.proctor, "proctor:watch", { sessionId: room.session.id }),
      ).outageProposal;
      expect(proposal?.seats).to.have.deep.members(ids.map((attemptId) => ({ attemptId, minutes: 3 })));
      expect(await awayOf(room.candidates[3]!.attemptId)).to.deep.equal([]);
    } finally {
      room.close();
    }
  });

  it("when a seat held by another instance that still beats moves here, then it was never away", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const [id] = (await heldBy(room, [0], `alive-${room.session.id}`, 1_000)).ids;
      await room.candidates[0]!.connect();
      expect(await awayOf(id!)).to.deep.equal([]);
    } finally {
      room.close();
    }
  });
});
