import { expect } from "chai";
import { commandsDuring } from "../../helpers/commands.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode, wholeRoomAway, type Room } from "./support/setup.js";

const MINUTE = 60_000;
/** Collections the node's periodic tasks touch (heartbeat, outbox poll): not part of a sweep. */
const BACKGROUND = /^\S+ (exam_instances|outbox)$/;

/**
 * The deadline sweep runs every second on every instance, and holds a room caught in an outage up
 * to EXAM_OUTAGE_HOLD_MAX_MS past its deadline. It read every held attempt and each of their
 * sessions' attempts with their drops again at every pass, for the whole hold: its verdict on a
 * held seat now stands a few seconds, and a pass meanwhile costs what a pass with nothing expired
 * costs.
 */
describe("exam delivery: database commands of a deadline sweep holding rooms for an outage", function () {
  this.timeout(60_000);
  const env = useExamNode({ monitorCommands: true, sweepIntervalMs: 3_600_000, graceSeconds: 1 });
  const attempts = () => examDb(env.node.ctx.conn).Attempts;
  const sweep = () =>
    commandsDuring(env.node.ctx.conn, () => env.node.delivery.exams.sweepOnce(), { ignore: BACKGROUND });

  async function heldRoom(): Promise<Room> {
    const room = await aRoom(env.node, { candidates: 4, release: true, durationMinutes: 60 });
    await wholeRoomAway(env.node, room, { agoMs: 10 * MINUTE, awayMs: 3 * MINUTE });
    for (const c of room.candidates) {
      const doc = await attempts().findById(c.attemptId, { startedAt: 1 }).lean();
      const deadline = new Date(Date.now() - 5_000);
      const minutes = (deadline.getTime() - (doc?.startedAt?.getTime() ?? 0)) / MINUTE;
      await attempts().updateOne({ _id: c.attemptId }, { $set: { deadline, minutes } });
    }
    return room;
  }

  it("when two rooms are held for an outage, then a pass reads each room's drops once, and a second pass right after costs only what a pass with nothing expired costs", async () => {
    // A pass with nothing expired: the read of expired attempts and the re-claim of closings a
    // dead instance left (the first pass on a new database is left out: it creates the collection).
    await sweep();
    const idle = await sweep();
    expect(idle).to.deep.equal(["find exam_attempts", "findAndModify exam_attempts"]);
    const rooms = [await heldRoom(), await heldRoom()];
    try {
      const first = await sweep();
      // The expired attempts, then each room's attempts with their drops; nothing to claim.
      expect(first).to.deep.equal([
        "find exam_attempts",
        "find exam_attempts",
        "find exam_attempts",
        "findAndModify exam_attempts",
      ]);
      const second = await sweep();
      expect(second).to.deep.equal(idle);
      const ids = rooms.flatMap((r) => r.candidates.map((c) => c.attemptId));
      expect(await attempts().countDocuments({ _id: { $in: ids }, status: "in_progress" })).to.equal(
        ids.length,
      );
    } finally {
      for (const r of rooms) r.close();
    }
  });
});
