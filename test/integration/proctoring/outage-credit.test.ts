import { expect } from "chai";
import { examDb } from "../exams/support/models.js";
import { call, connect, ok, proctorUser } from "../exams/support/clients.js";
import { aRoom, useExamNode } from "../exams/support/setup.js";

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

  it("when two proctors apply the same outage proposal, then each seat gains the minutes once and the second proctor is told they were already credited", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    const second = await connect(env.node.url, proctorUser({ id: "proctor-second", displayName: "王监考" }));
    try {
      ok(await call(second, "proctor:watch", { sessionId: room.session.id }));
      const ids = room.candidates.map((c) => c.attemptId);
      const before = await deadlines(ids);
      const payload = {
        sessionId: room.session.id,
        attemptIds: ids,
        minutes: 2,
        outageTo: Date.now() - 5_000,
        reason: "考场网络中断约 2 分钟",
      };
      const [a, b] = await Promise.all([
        call(room.proctor, "proctor:credit_outage", payload),
        call(second, "proctor:credit_outage", payload),
      ]);
      const results = [ok(a), ok(b)];
      const affected = results.flatMap((r) => r.affected).sort();
      expect(affected).to.deep.equal([...ids].sort());
      const already = results.flatMap((r) => r.skipped.filter((s) => s.code === "already_credited"));
      expect(already.map((s) => s.attemptId).sort()).to.deep.equal([...ids].sort());
      const after = await deadlines(ids);
      for (const id of ids) expect((after[id] ?? 0) - (before[id] ?? 0), id).to.equal(120_000);
      expect(await credits(ids)).to.equal(3);

      // The same proposal sent again changes nothing either.
      const again = ok(await call(room.proctor, "proctor:credit_outage", payload));
      expect(again.affected).to.deep.equal([]);
      expect(await deadlines(ids)).to.deep.equal(after);
    } finally {
      second.close();
      room.close();
    }
  });

  it("when a later outage is credited after an earlier one, then both are given", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      const before = await deadlines(ids);
      const credit = (outageTo: number) =>
        call(room.proctor, "proctor:credit_outage", {
          sessionId: room.session.id,
          attemptIds: ids,
          minutes: 1,
          outageTo,
          reason: "断网",
        });
      expect(ok(await credit(Date.now() - 60_000)).affected).to.deep.equal(ids);
      expect(ok(await credit(Date.now() - 1_000)).affected).to.deep.equal(ids);
      const after = await deadlines(ids);
      expect((after[ids[0]!] ?? 0) - (before[ids[0]!] ?? 0)).to.equal(120_000);
    } finally {
      room.close();
    }
  });

  it("when a credit names an outage ending in the future, then it is refused and no seat changes", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const ids = room.candidates.map((c) => c.attemptId);
      const before = await deadlines(ids);
      const refused = await call(room.proctor, "proctor:credit_outage", {
        sessionId: room.session.id,
        attemptIds: ids,
        minutes: 5,
        outageTo: Date.now() + 3_600_000,
        reason: "断网",
      });
      expect(refused.ok).to.equal(false);
      if (!refused.ok) expect(refused.error.code).to.equal("outage_in_future");
      expect(await deadlines(ids)).to.deep.equal(before);
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(ids[0]).lean();
      expect(doc?.outageCreditedUntil ?? null).to.equal(null);
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
