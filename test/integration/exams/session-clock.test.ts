import { expect } from "chai";
import type { Connection } from "mongoose";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { createFixtureSession, moveFixtureSessionBack } from "../../../scripts/bench/exam-fixtures.js";
import { call, connect, ok, officerUser, proctorUser } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

const MINUTE = 60_000;

const auditOf = (conn: Connection, action: string, sessionId: string) =>
  conn.collection("audit_log").find({ action, "target.id": sessionId }).toArray();

/**
 * Issue 14: one length rules (the session's, not the blueprint's), a room is not released before
 * its start without a reason, and results are not published before the session is over.
 */
describe("exam delivery: the session's clock", function () {
  this.timeout(60_000);
  // The tiny paper's blueprint says 60 minutes; every session here says otherwise.
  const env = useExamNode({ tiny: { minutes: 60 } });

  it("when the officer scheduled 30 minutes and the blueprint says 60, then the candidate gets 30", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: 30 });
    try {
      const c = room.candidates[0];
      if (!c?.attempt) throw new Error("fixture");
      expect(c.attempt.minutes).to.equal(30);
      const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
      const length = (doc?.deadline?.getTime() ?? 0) - (doc?.startedAt?.getTime() ?? 0);
      expect(length).to.equal(30 * MINUTE);
    } finally {
      room.close();
    }
  });

  it("when an extension would run into the next session booked in the room, then it is refused and the clock is unchanged", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: 30 });
    try {
      const c = room.candidates[0];
      if (!c?.attempt) throw new Error("fixture");
      const { Attempts } = examDb(env.node.ctx.conn);
      const before = await Attempts.findById(c.attemptId).lean();
      // Another session takes the room 10 minutes after this candidate's deadline.
      await env.node.ctx.conn
        .collection("test_fixture_sessions")
        .updateOne(
          { _id: room.session.id as never },
          { $set: { roomTakenAfter: new Date((before?.deadline?.getTime() ?? 0) + 10 * MINUTE) } },
        );
      const refused = await call(room.proctor, "proctor:extend", {
        attemptId: c.attemptId,
        minutes: 15,
        reason: "考生电脑故障",
      });
      expect(!refused.ok && refused.error.code).to.equal("room_booked");
      const after = await Attempts.findById(c.attemptId).lean();
      expect(after?.deadline?.getTime()).to.equal(before?.deadline?.getTime());
      ok(
        await call(room.proctor, "proctor:extend", {
          attemptId: c.attemptId,
          minutes: 5,
          reason: "考生电脑故障",
        }),
      );
    } finally {
      room.close();
    }
  });

  it("when an extension before release would run into the next session booked in the room, then it is refused", async () => {
    const startsAt = new Date(Date.now() + 5 * MINUTE);
    const room = await aRoom(env.node, { candidates: 1, durationMinutes: 30, startsAt });
    try {
      const [waiting] = room.candidates;
      if (!waiting) throw new Error("fixture");
      // The next session takes the room 10 minutes after this one's scheduled end.
      await env.node.ctx.conn
        .collection("test_fixture_sessions")
        .updateOne(
          { _id: room.session.id as never },
          { $set: { roomTakenAfter: new Date(startsAt.getTime() + 40 * MINUTE) } },
        );
      const extend = (attemptId: string) =>
        call(room.proctor, "proctor:extend", { attemptId, minutes: 15, reason: "考生电脑故障" });
      // Not released yet: the clock will start no earlier than the session's start.
      const early = await extend(waiting.attemptId);
      expect(!early.ok && early.error.code).to.equal("room_booked");
      const { Attempts } = examDb(env.node.ctx.conn);
      expect((await Attempts.findById(waiting.attemptId).lean())?.creditedMinutes).to.equal(0);
      ok(
        await call(room.proctor, "proctor:extend", {
          attemptId: waiting.attemptId,
          minutes: 5,
          reason: "考生电脑故障",
        }),
      );
    } finally {
      room.close();
    }
  });

  it("when an extension is asked for an attempt already handed in, then it is refused and the room's booking does not grow", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: 30 });
    try {
      const c = room.candidates[0];
      if (!c?.attempt) throw new Error("fixture");
      const fixtures = env.node.ctx.conn.collection<{ session: { bookedUntil: string } }>(
        "test_fixture_sessions",
      );
      const bookedUntil = async () =>
        (await fixtures.findOne({ _id: room.session.id as never }))?.session.bookedUntil;
      ok(
        await call(room.proctor, "proctor:force_submit", { attemptId: c.attemptId, reason: "考生要求交卷" }),
      );
      const booked = await bookedUntil();
      // 30 minutes of exam and 120 more run well past the room's booking (30 + 20 minutes).
      const refused = await call(room.proctor, "proctor:extend", {
        attemptId: c.attemptId,
        minutes: 120,
        reason: "考生电脑故障",
      });
      expect(!refused.ok && refused.error.code).to.equal("invalid_transition");
      expect(await bookedUntil()).to.equal(booked);
    } finally {
      room.close();
    }
  });

  it("when a proctor releases the room before its scheduled start without a reason, then it is refused and nobody starts", async () => {
    const room = await aRoom(env.node, { candidates: 2, startsAt: new Date(Date.now() + 12 * MINUTE) });
    try {
      const refused = await call(room.proctor, "proctor:release", { sessionId: room.session.id });
      expect(!refused.ok && refused.error.code).to.equal("early_release_reason_required");
      expect(!refused.ok && refused.error.message).to.match(/还有 1[12] 分钟/);
      const docs = await examDb(env.node.ctx.conn).Attempts.find({ sessionId: room.session.id }).lean();
      expect(docs.every((d) => d.startedAt === null)).to.equal(true);
      expect(await auditOf(env.node.ctx.conn, "exam.release", room.session.id)).to.have.length(0);
    } finally {
      room.close();
    }
  });

  it("when a proctor releases the room early with a reason, then it starts and the audit entry says early, with the reason", async () => {
    const room = await aRoom(env.node, { candidates: 2, startsAt: new Date(Date.now() + 12 * MINUTE) });
    try {
      const released = ok(
        await call(room.proctor, "proctor:release", {
          sessionId: room.session.id,
          earlyReason: "考生全部到齐，经考点主任同意提前开考",
        }),
      );
      expect(released.affected).to.have.length(2);
      const [entry] = await auditOf(env.node.ctx.conn, "exam.early_release", room.session.id);
      expect(entry?.details).to.include({ reason: "考生全部到齐，经考点主任同意提前开考", attempts: 2 });
      expect(await auditOf(env.node.ctx.conn, "exam.release", room.session.id)).to.have.length(0);
    } finally {
      room.close();
    }
  });

  it("when an officer publishes before the session's scheduled end, then it is refused even though every attempt is closed", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true, durationMinutes: 30 });
    const officer = testUserHeader(officerUser());
    try {
      const c = room.candidates[0];
      if (!c) throw new Error("fixture");
      ok(await c.submit());
      const early = await request(env.node.url)
        .post(`/api/exam-sessions/${room.session.id}/results/publish`)
        .set("x-test-user", officer)
        .send({});
      expect(early.status).to.equal(409);
      expect(early.body.error.code).to.equal("session_not_over");
      expect(early.body.error.message).to.match(/\d{2}:\d{2} 才结束/);
      expect(await env.node.ctx.conn.collection("exam_publications").countDocuments()).to.equal(0);

      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, 31);
      const published = await request(env.node.url)
        .post(`/api/exam-sessions/${room.session.id}/results/publish`)
        .set("x-test-user", officer)
        .send({});
      expect(published.status).to.equal(200);
    } finally {
      room.close();
    }
  });
});

describe("exam delivery: early release refused by configuration", function () {
  this.timeout(60_000);
  const env = useExamNode({ env: { EXAM_EARLY_RELEASE: "refuse" } });

  it("when the node refuses early release, then even a reason does not start the room before its time", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, {
      candidates: 1,
      startsAt: new Date(Date.now() + 12 * MINUTE),
    });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      const a = assignments[0];
      if (!a) throw new Error("fixture");
      ok(
        await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: a.candidateId,
          idNumber: a.idNumber,
        }),
      );
      const refused = await call(proctor, "proctor:release", {
        sessionId: session.id,
        earlyReason: "考生全部到齐",
      });
      expect(!refused.ok && refused.error.code).to.equal("release_too_early");
      const doc = await examDb(env.node.ctx.conn).Attempts.findOne({ sessionId: session.id }).lean();
      expect(doc?.startedAt).to.equal(null);
    } finally {
      proctor.close();
    }
  });
});
