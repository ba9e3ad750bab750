import { expect } from "chai";
import { examDb } from "../exams/support/models.js";
import { call, ok } from "../exams/support/clients.js";
import type { OutageProposalDto } from "../../../server/contracts/exams.js";
import { proctoringConsoleOver } from "../exams/support/proctoring-console.js";
import {
  aRoom,
  aSecondProctor,
  dropsOf,
  useExamNode,
  wholeRoomAway,
  type Room,
} from "../exams/support/setup.js";

describe("proctoring: outage credit is given once per outage", () => {
  const env = useExamNode();

  const deadlines = async (ids: string[]) => {
    const docs = await examDb(env.node.ctx.conn)
      .Attempts.find({ _id: { $in: ids } })
      .lean();
    return Object.fromEntries(docs.map((d) => [d._id, d.deadline?.getTime() ?? 0]));
  };
  const credits = async (ids: string[]) => {
    const docs = await examDb(env.node.ctx.conn)
      .Attempts.find({ _id: { $in: ids } })
      .lean();
    return docs.flatMap((d) => d.events.filter((e) => e.type === "credit")).length;
  };

  const m = 60_000;
  const proposalOf = async (room: Room) =>
    ok(await call(room.proctor, "proctor:watch", { sessionId: room.session.id })).outageProposal;
  /** The outage proposed for `room`; the tests below need one, so none is a fixture failure. */
  const theProposal = async (room: Room) => {
    const proposal = await proposalOf(room);
    if (!proposal) throw new Error("no outage proposed");
    return proposal;
  };
  const creditOf = (room: Room, p: OutageProposalDto, reason = "考场网络中断") => ({
    sessionId: room.session.id,
    attemptIds: p.attemptIds,
    outageFrom: p.from,
    outageTo: p.to,
    reason,
  });

  it("when two proctors apply the same outage proposal, then each seat gains what it lost once and the second proctor is told they were already credited", async () => {
    const room = await aRoom(env.node, { candidates: 4, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      // Three of four seats drop within a minute, for 3.5, 1.2 and 0.5 minutes; seat 3 stays. Three
      // make an outage, so the room is back when seat 2 returns: 39, 34 and 30 s of it each.
      await dropsOf(env.node, room, [
        { seat: 0, agoMs: 10 * m, awayMs: 3.5 * m },
        { seat: 1, agoMs: 10 * m - 5_000, awayMs: 1.2 * m },
        { seat: 2, agoMs: 10 * m - 9_000, awayMs: 0.5 * m },
      ]);
      const ids = room.candidates.map((c) => c.attemptId);
      const proposal = await theProposal(room);
      const lost = [1, 1, 1];
      expect(proposal.seats).to.have.deep.members(lost.map((minutes, i) => ({ attemptId: ids[i], minutes })));
      expect(proposal.minutes).to.equal(1);
      const before = await deadlines(ids);
      // The page names every seat; the one that stayed is not the outage's.
      const payload = { ...creditOf(room, proposal), attemptIds: ids };
      const [a, b] = await Promise.all([
        call(room.proctor, "proctor:credit_outage", payload),
        call(second, "proctor:credit_outage", payload),
      ]);
      const results = [ok(a), ok(b)];
      expect(results.flatMap((r) => r.affected).sort()).to.deep.equal(ids.slice(0, 3).sort());
      const already = results.flatMap((r) => r.skipped.filter((s) => s.code === "already_credited"));
      expect(already.map((s) => s.attemptId).sort()).to.deep.equal(ids.slice(0, 3).sort());
      for (const r of results)
        expect(r.skipped).to.deep.include({ attemptId: ids[3], code: "not_in_outage" });
      const after = await deadlines(ids);
      ids.forEach((id, i) => expect((after[id] ?? 0) - (before[id] ?? 0), id).to.equal((lost[i] ?? 0) * m));
      expect(await credits(ids)).to.equal(3);
      expect(await proposalOf(room)).to.equal(null);

      // The same proposal sent again changes nothing either.
      const again = ok(await call(room.proctor, "proctor:credit_outage", payload));
      expect(again.affected).to.deep.equal([]);
      expect(await deadlines(ids)).to.deep.equal(after);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a later outage is credited first, then the earlier one is still proposed and credited", async () => {
    const room = await aRoom(env.node, { candidates: 4, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      // An earlier outage of three seats (2 minutes each), a later one of all four (1 minute each):
      // the bigger, later one is proposed first.
      await dropsOf(env.node, room, [
        ...[0, 1, 2].map((seat) => ({ seat, agoMs: 30 * m, awayMs: 2 * m })),
        ...[0, 1, 2, 3].map((seat) => ({ seat, agoMs: 10 * m, awayMs: 1 * m })),
      ]);
      const before = await deadlines(ids);
      const later = await proposalOf(room);
      expect(later?.attemptIds).to.have.length(4);
      expect(
        ok(await call(room.proctor, "proctor:credit_outage", creditOf(room, later!))).affected,
      ).to.have.length(4);
      const earlier = await proposalOf(room);
      expect(earlier?.attemptIds).to.deep.equal(ids.slice(0, 3).sort());
      expect(earlier?.from).to.be.below(later!.from);
      expect(
        ok(await call(room.proctor, "proctor:credit_outage", creditOf(room, earlier!))).affected,
      ).to.have.length(3);
      const after = await deadlines(ids);
      ids.forEach((id, i) => expect((after[id] ?? 0) - (before[id] ?? 0), id).to.equal(i < 3 ? 3 * m : m));
      expect(await proposalOf(room)).to.equal(null);
    } finally {
      room.close();
    }
  });

  it("when a credit names an outage that is not the one proposed, then it is refused and no seat changes", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      await wholeRoomAway(env.node, room, { agoMs: 10 * m, awayMs: 2 * m });
      const proposal = await theProposal(room);
      const before = await deadlines(ids);
      for (const made of [
        // A window of its own (the whole exam so far, say), or one ending in the future.
        { ...creditOf(room, proposal), outageFrom: 1, outageTo: Date.now() },
        { ...creditOf(room, proposal), outageTo: Date.now() + 3_600_000 },
      ]) {
        const refused = await call(room.proctor, "proctor:credit_outage", made);
        expect(refused.ok).to.equal(false);
        if (!refused.ok) expect(refused.error.code).to.equal("outage_changed");
      }
      // Two of its three seats: the third would be left too few to be proposed again.
      const some = await call(room.proctor, "proctor:credit_outage", {
        ...creditOf(room, proposal),
        attemptIds: ids.slice(0, 2),
      });
      expect(some.ok ? "ok" : some.error.code).to.equal("outage_partial");
      // A drop of a seat with no outage at all is no outage either.
      const lone = await aRoom(env.node, { candidates: 3, release: true });
      try {
        await dropsOf(env.node, lone, [{ seat: 0, agoMs: 5 * m, awayMs: 4 * m }]);
        expect(await proposalOf(lone)).to.equal(null);
        const at = Date.now();
        const refused = await call(lone.proctor, "proctor:credit_outage", {
          sessionId: lone.session.id,
          attemptIds: [lone.candidates[0]!.attemptId],
          outageFrom: at - 5 * m,
          outageTo: at - m,
          reason: "断网",
        });
        expect(refused.ok).to.equal(false);
        if (!refused.ok) expect(refused.error.code).to.equal("outage_changed");
      } finally {
        lone.close();
      }
      expect(await deadlines(ids)).to.deep.equal(before);
      const docs = await examDb(env.node.ctx.conn)
        .Attempts.find({ _id: { $in: ids } })
        .lean();
      for (const d of docs) expect(d.away.map((w) => w.credited)).to.deep.equal([false]);
    } finally {
      room.close();
    }
  });

  it("when one seat stays away forty minutes after a two-minute outage, then every seat is credited the two minutes and no more", async () => {
    const room = await aRoom(env.node, { candidates: 10, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      // Seats 0–4 drop together 50 minutes ago, 0–3 are back after 2 minutes, seat 4 after 40.
      await dropsOf(env.node, room, [
        ...[0, 1, 2, 3].map((seat) => ({ seat, agoMs: 50 * m, awayMs: 2 * m })),
        { seat: 4, agoMs: 50 * m, awayMs: 40 * m },
      ]);
      const proposal = await theProposal(room);
      expect(proposal.seats).to.have.deep.members(
        ids.slice(0, 5).map((attemptId) => ({ attemptId, minutes: 2 })),
      );
      expect(proposal.minutes).to.equal(2);
      const before = await deadlines(ids);
      const done = ok(await call(room.proctor, "proctor:credit_outage", creditOf(room, proposal)));
      expect(done.affected.sort()).to.deep.equal(ids.slice(0, 5).sort());
      const after = await deadlines(ids);
      ids.forEach((id, i) => expect((after[id] ?? 0) - (before[id] ?? 0), id).to.equal(i < 5 ? 2 * m : 0));
    } finally {
      room.close();
    }
  });

  /**
   * Three seats and a second proctor, the whole room away 25 minutes: past the 20 minutes one
   * proctor may give alone, so its credit waits for a second approver. Close `second` and `room`.
   */
  const aRoomOwedPastTheLimit = async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    const second = await aSecondProctor(env.node, room);
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      await wholeRoomAway(env.node, room, { agoMs: 30 * m, awayMs: 25 * m });
      return { room, second, ids, proposal: await theProposal(room) };
    } catch (err) {
      second.close();
      room.close();
      throw err;
    }
  };

  it("when an outage credit would bring a seat's extra time to the approval limit, then it waits for a second approver like an extension", async () => {
    const { room, second, ids, proposal } = await aRoomOwedPastTheLimit();
    try {
      expect(proposal.minutes).to.equal(25);
      const before = await deadlines(ids);
      const res = ok(await call(room.proctor, "proctor:credit_outage", creditOf(room, proposal)));
      expect(res.affected).to.deep.equal([]);
      expect(res.skipped.map((s) => s.code)).to.deep.equal([
        "approval_pending",
        "approval_pending",
        "approval_pending",
      ]);
      expect(await deadlines(ids)).to.deep.equal(before);
      // Not proposed again: the requests stand for it.
      expect(await proposalOf(room)).to.equal(null);
      const docs = await examDb(env.node.ctx.conn)
        .Attempts.find({ _id: { $in: ids } })
        .lean();
      const pending = docs.map((d) => ({ attemptId: d._id, p: d.pendingExtensions[0] }));
      for (const { p } of pending) expect(p?.minutes).to.equal(25);
      // The proctor who applied it cannot approve it; another one can.
      const { attemptId, p } = pending[0]!;
      const own = await call(room.proctor, "proctor:approve_extension", {
        attemptId,
        requestId: p!.requestId,
        approve: true,
      });
      expect(own.ok ? "ok" : own.error.code).to.equal("second_approver_required");
      ok(
        await call(second, "proctor:approve_extension", {
          attemptId,
          requestId: p!.requestId,
          approve: true,
        }),
      );
      expect(((await deadlines([attemptId]))[attemptId] ?? 0) - (before[attemptId] ?? 0)).to.equal(25 * m);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when an outage credit that waited for approval is approved after the room was booked for the next session, then it is given as owed time, not refused room_booked", async () => {
    const { room, second, ids, proposal } = await aRoomOwedPastTheLimit();
    try {
      ok(await call(room.proctor, "proctor:credit_outage", creditOf(room, proposal)));
      const [attemptId] = ids;
      if (!attemptId) throw new Error("fixture: no seat");
      const before = (await deadlines(ids))[attemptId] ?? 0;
      // Another session takes the room ten minutes after the seat's deadline: the 25 minutes owed
      // run into it.
      await env.node.ctx.conn
        .collection("test_fixture_sessions")
        .updateOne(
          { _id: room.session.id as never },
          { $set: { roomTakenAfter: new Date(before + 10 * m) } },
        );
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(attemptId).lean();
      const requestId = doc?.pendingExtensions[0]?.requestId;
      if (!requestId) throw new Error("the credit filed no request");
      const approved = await call(second, "proctor:approve_extension", {
        attemptId,
        requestId,
        approve: true,
      });
      expect(approved.ok ? "ok" : approved.error.code).to.equal("ok");
      expect(((await deadlines([attemptId]))[attemptId] ?? 0) - before).to.equal(25 * m);
      const after = await examDb(env.node.ctx.conn).Attempts.findById(attemptId).lean();
      // Given as the outage credit it is, with the reason the proctor wrote for it.
      const given = after?.events.filter((e) => e.type === "credit") ?? [];
      expect(given.map((e) => (e.data as { reason?: string }).reason)).to.deep.equal(["考场网络中断"]);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a seat's drops are claimed but its credit is neither given nor sent for approval, then it is skipped as not_in_progress and the credit's entry names it", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      await wholeRoomAway(env.node, room, { agoMs: 10 * m, awayMs: 2 * m });
      // Exam delivery answers that seat 0's attempt takes no time (closed between the claim and
      // the credit); the other seats are credited as usual.
      const conn = env.node.ctx.conn;
      const real = env.node.delivery.exams;
      const service = proctoringConsoleOver(env.node, {
        exams: {
          ...real,
          credit: (actor, attemptId, ...rest) =>
            attemptId === ids[0] ? Promise.resolve(false) : real.credit(actor, attemptId, ...rest),
        },
      });
      const proposal = await service.outageProposal(room.session.id);
      if (!proposal) throw new Error("no outage proposed");
      const res = await service.creditOutage(room.proctorUser, creditOf(room, proposal));
      expect(res.affected.sort()).to.deep.equal(ids.slice(1).sort());
      expect(res.skipped).to.deep.equal([{ attemptId: ids[0], code: "not_in_progress" }]);
      const entry = await conn
        .collection("audit_log")
        .findOne({ action: "proctor.credit_outage", "details.sessionId": room.session.id });
      expect(entry?.details).to.deep.include({ notCredited: [ids[0]] });
    } finally {
      room.close();
    }
  });

  it("when the proctor paused the room for the whole time its seats were away, then no credit is proposed and the pause is on record", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      ok(
        await call(room.proctor, "proctor:pause", {
          sessionId: room.session.id,
          attemptIds: ids,
          reason: "考场网络中断",
        }),
      );
      const away = new Set<string>();
      const allAway = new Promise<void>((r) =>
        room.proctor.on("session:seat", (seat) => {
          if (seat.state === "disconnected" && seat.attemptId) away.add(seat.attemptId);
          if (away.size === ids.length) r();
        }),
      );
      for (const c of room.candidates) c.close();
      await allAway;
      for (const c of room.candidates) await c.connect();
      ok(await call(room.proctor, "proctor:resume", { sessionId: room.session.id, attemptIds: ids }));
      // The pause gave the time back already: crediting the absence as well would count it twice.
      const view = ok(await call(room.proctor, "proctor:watch", { sessionId: room.session.id }));
      expect(view.outageProposal).to.equal(null);
      const docs = await examDb(env.node.ctx.conn)
        .Attempts.find({ _id: { $in: ids } })
        .lean();
      for (const d of docs) {
        expect(d.pauses, d._id).to.have.length(1);
        expect(d.pauses[0]?.to, d._id).to.be.an.instanceOf(Date);
        expect(d.away, d._id).to.have.length(1);
      }
    } finally {
      room.close();
    }
  });
});
