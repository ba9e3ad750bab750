import { expect } from "chai";
import { eventually } from "../../helpers/eventually.js";
import { call, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import {
  aRoom,
  aRoomAfterAnOutage,
  aSecondProctor,
  creditOutage,
  expireAttempts,
  outageProposalOf,
  secondApproverSweptByHand,
  useExamNode,
  type Room,
} from "./support/setup.js";

const MINUTE = 60_000;

/**
 * 断点续考: an outage must not cost the candidate time. The deadline sweep closed every attempt
 * past its deadline and grace whatever its room's network did: a room out at its deadline was
 * closed while away, and the outage credit, which only attempts in progress can take, was lost for
 * good (a credit waiting for its second approver too: closing empties pending requests). Now the
 * sweep holds a seat that a room-wide outage cost time not yet credited, or whose outage credit
 * waits for approval, at most EXAM_OUTAGE_HOLD_MAX_MS (30 minutes by default) past its deadline
 * and grace.
 */
describe("exam delivery: the deadline sweep holds a room caught in an outage until its credit", function () {
  this.timeout(60_000);
  // No sweep of the node's own: each test sweeps when it means to.
  const env = useExamNode({ sweepIntervalMs: 3_600_000, graceSeconds: 1 });
  const attempts = () => examDb(env.node.ctx.conn).Attempts;
  const idsOf = (room: Room) => room.candidates.map((c) => c.attemptId);
  const statuses = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await attempts().findById(id, { status: 1 }).lean())?.status));

  const expire = (ids: string[], agoMs: number) => expireAttempts(env.node, ids, agoMs);

  /** The candidates at `seats` lose their connection (the server sees each socket close). */
  async function drop(room: Room, seats: number[]): Promise<void> {
    const ids = seats.map((i) => room.candidates[i]!.attemptId);
    for (const i of seats) room.candidates[i]!.close();
    await eventually(
      async () => (await attempts().countDocuments({ _id: { $in: ids }, online: false })) === ids.length,
      { what: "the seats offline" },
    );
  }

  /** One pass of the sweep: which of `ids` it closed. */
  const sweptOf = async (ids: string[]) =>
    (await env.node.delivery.exams.sweepOnce()).filter((id) => ids.includes(id)).sort();

  /** A released room of four whose candidates at `seats` lost their connection, every deadline 5 seconds past. */
  async function aRoomPastItsDeadline(seats: number[]): Promise<{ room: Room; ids: string[] }> {
    const room = await aRoom(env.node, { candidates: 4, release: true, durationMinutes: 60 });
    try {
      const ids = idsOf(room);
      await drop(room, seats);
      await expire(ids, 5_000);
      return { room, ids };
    } catch (e) {
      room.close();
      throw e;
    }
  }

  const sittingUntil = (room: Room, seat: number) =>
    env.node.delivery.exams.sittingUntil(room.session.id, room.assignments[seat]!.candidateId);

  it("when the whole room is offline past its deadline, then the sweep holds every seat and its login, until the hold's cap has passed", async () => {
    const { room, ids } = await aRoomPastItsDeadline([0, 1, 2, 3]);
    try {
      expect(await sweptOf(ids)).to.deep.equal([]);
      expect(await statuses(ids)).to.deep.equal(ids.map(() => "in_progress"));
      // A candidate back at a reloaded kiosk logs in again to be given the credit.
      expect(await sittingUntil(room, 0)).to.not.equal(null);

      // Thirty minutes and more past the deadline: closed like any other.
      await expire(ids, 30 * MINUTE + 10_000);
      expect(await sweptOf(ids)).to.deep.equal([...ids].sort());
      const closed = await attempts()
        .find({ _id: { $in: ids } }, { status: 1, closeReason: 1 })
        .lean();
      expect(closed.map((a) => [a.status, a.closeReason])).to.deep.equal(
        ids.map(() => ["submitted", "deadline"]),
      );
    } finally {
      room.close();
    }
  });

  it("when the room comes back after its deadline, then its seats stay open until the proctor credits the outage, and then take answers again", async () => {
    const { room, ids } = await aRoomPastItsDeadline([0, 1, 2, 3]);
    try {
      expect(await sweptOf(ids)).to.deep.equal([]);
      for (const c of room.candidates) await c.connect();
      // Back, but not yet credited: still held, so the credit has attempts to give it to.
      expect(await sweptOf(ids)).to.deep.equal([]);
      expect(await statuses(ids)).to.deep.equal(ids.map(() => "in_progress"));

      const proposal = await outageProposalOf(room);
      expect([...proposal.attemptIds].sort()).to.deep.equal([...ids].sort());
      const credited = await creditOutage(room, proposal, "考点网络中断");
      expect([...credited.affected].sort()).to.deep.equal([...ids].sort());
      // The credit moved the deadlines on: answers are taken again, and the sweep leaves them.
      expect(await room.candidates[0]!.answer(0, ["T"])).to.not.equal(null);
      expect(await sweptOf(ids)).to.deep.equal([]);
      expect(await statuses(ids)).to.deep.equal(ids.map(() => "in_progress"));
    } finally {
      room.close();
    }
  });

  it("when one seat alone is offline past its deadline, then the sweep closes it with the rest of the room", async () => {
    const { room, ids } = await aRoomPastItsDeadline([0]);
    try {
      expect(await sweptOf(ids)).to.deep.equal([...ids].sort());
      expect(await sittingUntil(room, 0)).to.equal(null);
    } finally {
      room.close();
    }
  });
});

describe("exam delivery: the deadline sweep holds a seat whose outage credit waits for a second approver", function () {
  this.timeout(60_000);
  // Every extension and outage credit waits for a second approver.
  const env = useExamNode(secondApproverSweptByHand());
  const attempts = () => examDb(env.node.ctx.conn).Attempts;

  it("when the deadline passes while the credit waits, then the seat is held until the request is answered: approved it takes answers, rejected it closes", async () => {
    // The room was out three minutes, ten minutes ago.
    const { room, ids, proposal } = await aRoomAfterAnOutage(env.node);
    const second = await aSecondProctor(env.node, room);
    try {
      const asked = await creditOutage(room, proposal, "考点网络中断");
      expect(asked.skipped.map((s) => s.code)).to.deep.equal(ids.map(() => "approval_pending"));

      await expireAttempts(env.node, ids, 5_000);
      expect((await env.node.delivery.exams.sweepOnce()).filter((id) => ids.includes(id))).to.deep.equal([]);
      const pending = await attempts()
        .find({ _id: { $in: ids } }, { status: 1, pendingExtensions: 1 })
        .lean();
      expect(pending.map((a) => [a.status, a.pendingExtensions.length])).to.deep.equal(
        ids.map(() => ["in_progress", 1]),
      );

      const requestOf = (id: string) => pending.find((a) => a._id === id)!.pendingExtensions[0]!.requestId;
      const [approved, rejected] = [ids[0]!, ids[1]!];
      ok(
        await call(second, "proctor:approve_extension", {
          attemptId: approved,
          requestId: requestOf(approved),
          approve: true,
        }),
      );
      ok(
        await call(second, "proctor:approve_extension", {
          attemptId: rejected,
          requestId: requestOf(rejected),
          approve: false,
        }),
      );
      expect(await room.candidates[0]!.answer(0, ["T"])).to.not.equal(null);
      const closed = await env.node.delivery.exams.sweepOnce();
      expect(closed).to.include(rejected);
      expect(closed).to.not.include(approved);
    } finally {
      second.close();
      room.close();
    }
  });
});
