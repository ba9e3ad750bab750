import { examDb } from "./support/models.js";
import { expect } from "chai";
import type { AttemptClosedDto } from "../../../server/contracts/exams.js";
import { call, leaks, ok } from "./support/clients.js";
import { aRoom, useExamNode } from "./support/setup.js";

describe("exam delivery: server-side deadline", () => {
  // A 2.4-second session (the session's length rules the clock) with 1 s grace so the sweeper's
  // work can be watched. Tests that must act before the deadline take an hour instead and then
  // move the deadline into the past themselves: with 3.4 s to set up a room and answer, a loaded
  // machine could let the deadline pass first.
  const env = useExamNode({ graceSeconds: 1, sweepIntervalMs: 100 });
  const durationMinutes = 0.04;
  const anHour = 60;

  /** Moves the attempts' deadlines `agoMs` into the past (and their minutes, the clock's source). */
  async function expire(attemptIds: string[], agoMs: number): Promise<void> {
    const { Attempts } = examDb(env.node.ctx.conn);
    for (const id of attemptIds) {
      const doc = await Attempts.findById(id).lean();
      const deadline = new Date(Date.now() - agoMs);
      const minutes = (deadline.getTime() - (doc?.startedAt?.getTime() ?? 0)) / 60_000;
      await Attempts.updateOne({ _id: id }, { $set: { deadline, minutes } });
    }
  }

  it("when a candidate abandons an attempt, then the server submits it at the deadline with every acknowledged answer", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: anHour });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      ok(
        await call(c.socket!, "attempt:answer", {
          attemptId: c.attemptId,
          seq: 1,
          index: 0,
          choice: ["T"],
        }),
      );
      ok(
        await call(c.socket!, "attempt:answer", {
          attemptId: c.attemptId,
          seq: 2,
          index: 1,
          choice: ["B"],
        }),
      );
      c.close();
      // The deadline passes now; the grace (1 s) has not.
      await expire([c.attemptId], 0);
      const { Attempts, Results } = examDb(env.node.ctx.conn);
      let doc = await Attempts.findById(c.attemptId).lean();
      for (let i = 0; i < 100 && doc?.status !== "submitted"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        doc = await Attempts.findById(c.attemptId).lean();
      }
      expect(doc?.status).to.equal("submitted");
      expect(doc?.closeReason).to.equal("deadline");
      expect(doc?.result?.score).to.equal(2);
      expect(doc?.submittedAt?.getTime()).to.be.at.least((doc?.deadline?.getTime() ?? 0) + 1000);
      expect(await Results.countDocuments({ attemptId: c.attemptId })).to.equal(1);
    } finally {
      room.close();
    }
  });

  it("when an answer arrives after the deadline and grace, then it is refused with attempt_closed and the candidate is told", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      const closed = new Promise<AttemptClosedDto>((r) => c.socket?.once("attempt:closed", r));
      const note = await closed;
      expect(note).to.include({ status: "submitted", closeReason: "deadline" });
      const late = await call(c.socket, "attempt:answer", {
        attemptId: c.attemptId,
        seq: 1,
        index: 0,
        choice: ["T"],
      });
      expect(!late.ok && late.error.code).to.equal("attempt_closed");
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(doc?.answers[0]?.seq).to.equal(0);
      expect(leaks(c.received)).to.deep.equal([]);
    } finally {
      room.close();
    }
  });

  it("when several sweepers race over the same expired attempts, then each attempt is closed exactly once", async () => {
    const room = await aRoom(env.node, { candidates: 6, release: true, durationMinutes: anHour });
    try {
      // The pages stay connected: six seats dropping together are a room-wide outage, which the
      // sweep holds open for its credit (outage-hold.test.ts).
      // Deadline and grace both passed.
      await expire(room.candidates.map((c) => c.attemptId), 2000);
      const exams = env.node.delivery.exams;
      const runs = await Promise.all([exams.sweepOnce(), exams.sweepOnce(), exams.sweepOnce()]);
      const closedByRaces = runs.flat();
      expect(new Set(closedByRaces).size).to.equal(closedByRaces.length);
      const ids = room.candidates.map((c) => c.attemptId);
      // The node's own sweeper may still be finishing a claim it made: wait for it, do not race it.
      let docs = await examDb(env.node.ctx.conn)
        .Attempts.find({ _id: { $in: ids } })
        .lean();
      for (let i = 0; i < 100 && docs.some((d) => d.status !== "submitted"); i++) {
        await new Promise((r) => setTimeout(r, 100));
        docs = await examDb(env.node.ctx.conn)
          .Attempts.find({ _id: { $in: ids } })
          .lean();
      }
      expect(docs.map((d) => d.status)).to.deep.equal(ids.map(() => "submitted"));
      for (const d of docs) expect(d.events.filter((e) => e.type === "submit")).to.have.length(1);
      expect(await examDb(env.node.ctx.conn).Results.countDocuments({ attemptId: { $in: ids } })).to.equal(
        ids.length,
      );
    } finally {
      room.close();
    }
  });

  it("when the proctor pauses an attempt, then the sweeper leaves it open past its old deadline", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: anHour });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      ok(await call(room.proctor, "proctor:pause", { sessionId: room.session.id, reason: "考场停电" }));
      // The old deadline and its grace pass while paused; a sweep then runs (no waiting for one).
      await expire([c.attemptId], 2000);
      expect(await env.node.delivery.exams.sweepOnce()).to.not.include(c.attemptId);
      expect((await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean())?.status).to.equal(
        "in_progress",
      );
      ok(
        await call(room.proctor, "proctor:force_submit", {
          attemptId: c.attemptId,
          reason: "停电无法恢复，监考员收卷",
        }),
      );
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      expect(doc).to.deep.include({ status: "submitted", closeReason: "forced" });
    } finally {
      room.close();
    }
  });
  it("when an instance died halfway through closing an attempt, then a sweeper takes the stale claim over and closes it with the original reason", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: anHour });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      ok(
        await call(c.socket, "attempt:answer", {
          attemptId: c.attemptId,
          seq: 1,
          index: 0,
          choice: ["T"],
        }),
      );
      const { Attempts, Results } = examDb(env.node.ctx.conn);
      await Attempts.updateOne(
        { _id: c.attemptId },
        {
          $set: {
            status: "submitting",
            submitClaim: {
              token: "dead",
              at: new Date(Date.now() - 60_000),
              by: "dead-instance",
              reason: "candidate",
            },
          },
        },
      );
      await env.node.delivery.exams.sweepOnce();
      // The node's own sweeper (every 100 ms) may have taken the stale claim a moment before this
      // sweep did: then this sweep rightly leaves the fresh claim alone and the close lands shortly.
      let doc = await Attempts.findById(c.attemptId).lean();
      for (let i = 0; i < 50 && doc?.status === "submitting"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        doc = await Attempts.findById(c.attemptId).lean();
      }
      expect(doc).to.deep.include({ status: "submitted", closeReason: "candidate" });
      expect(doc?.result?.score).to.equal(1);
      expect(await Results.countDocuments({ attemptId: c.attemptId })).to.equal(1);
    } finally {
      room.close();
    }
  });
});
