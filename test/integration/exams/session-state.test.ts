import { expect } from "chai";
import type { Connection } from "mongoose";
import { call, checkInAll, connect, ok, proctorUser } from "./support/clients.js";
import { cancelFixtureSession, createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { examDb } from "./support/models.js";
import { useExamNode } from "./support/setup.js";

const cancel = cancelFixtureSession;

const papersOf = (conn: Connection, candidateId: string) =>
  conn.collection("exam_papers").countDocuments({ candidateId });

/**
 * Issue 10 (8, 9): a state change checks the state it depends on when it writes, and a refused
 * check-in leaves nothing behind in any collection.
 */
describe("exam delivery: check-in and release against the session's state", function () {
  this.timeout(60_000);
  const env = useExamNode();

  it("when the session is cancelled after the proctor opened it, then a check-in is refused and no paper or attempt is written", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 2 });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      // The proctor's console has the session (as scheduled) in hand; a first check-in works.
      const first = assignments[0];
      const second = assignments[1];
      if (!first || !second) throw new Error("fixture");
      ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      ok(
        await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: first.candidateId,
          idNumber: first.idNumber,
        }),
      );
      await cancel(env.node.ctx.conn, session.id);
      const ack = await call(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: second.candidateId,
        idNumber: second.idNumber,
      });
      expect(ack.ok).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal("session_cancelled");
      expect(await papersOf(env.node.ctx.conn, second.candidateId)).to.equal(0);
      expect(
        await examDb(env.node.ctx.conn).Attempts.countDocuments({ candidateId: second.candidateId }),
      ).to.equal(0);
    } finally {
      proctor.close();
    }
  });

  it("when the session is cancelled after check-in, then release is refused and every attempt stays unstarted", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 2 });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      await checkInAll(proctor, session.id, assignments);
      await cancel(env.node.ctx.conn, session.id);
      const ack = await call(proctor, "proctor:release", { sessionId: session.id });
      expect(ack.ok).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal("session_cancelled");
      const docs = await examDb(env.node.ctx.conn).Attempts.find({ sessionId: session.id }).lean();
      expect(docs.map((d) => d.status)).to.deep.equal(["checked_in", "checked_in"]);
      expect(docs.every((d) => d.startedAt === null && d.deadline === null)).to.equal(true);
    } finally {
      proctor.close();
    }
  });

  for (const accommodation of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    it(`when a check-in names the accommodation "${accommodation}" (an Object prototype key, not an approved one), then it is refused and no paper, attempt or exposure is written`, async () => {
      const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
      const a = assignments[0];
      if (!a) throw new Error("fixture");
      const proctor = await connect(env.node.url, proctorUser());
      try {
        const ack = await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: a.candidateId,
          idNumber: a.idNumber,
          accommodation,
        });
        expect(ack.ok).to.equal(false);
        if (!ack.ok) expect(ack.error.code).to.equal("unknown_accommodation");
        const { conn } = env.node.ctx;
        expect(await papersOf(conn, a.candidateId)).to.equal(0);
        expect(await examDb(conn).Attempts.countDocuments({ candidateId: a.candidateId })).to.equal(0);
        expect(await conn.collection("exam_exposure").countDocuments({ _id: session.id as never })).to.equal(
          0,
        );
      } finally {
        proctor.close();
      }
    });
  }

  it("when a check-in names an approved accommodation, then its minutes are added to the attempt", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const a = assignments[0];
    if (!a) throw new Error("fixture");
    const proctor = await connect(env.node.url, proctorUser());
    try {
      const checked = ok(
        await call(proctor, "proctor:check_in", {
          sessionId: session.id,
          candidateId: a.candidateId,
          idNumber: a.idNumber,
          accommodation: "low_vision",
        }),
      );
      expect(checked.seat.extraMinutes).to.equal(15);
    } finally {
      proctor.close();
    }
  });
});

/**
 * Issue 10 (8), the interleaving: a cancellation that lands after check-in or release has checked
 * the session and before it writes (placed there deterministically by the `afterSessionCheck`
 * seam) must still stop it, because the status is claimed again inside the write's transaction.
 */
describe("exam delivery: a cancellation between the session check and the write", function () {
  this.timeout(60_000);
  /** Sessions a test wants cancelled right after the check (the seam below). */
  const cancelAfterCheck = new Set<string>();
  const env = useExamNode({
    options: {
      afterSessionCheck: async (sessionId) => {
        if (cancelAfterCheck.delete(sessionId)) await cancel(env.node.ctx.conn, sessionId);
      },
    },
  });

  it("when the session is cancelled between check-in's check and its write, then the check-in is refused and nothing is written", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const a = assignments[0];
    if (!a) throw new Error("fixture");
    const proctor = await connect(env.node.url, proctorUser());
    try {
      ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      cancelAfterCheck.add(session.id);
      const ack = await call(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: a.candidateId,
        idNumber: a.idNumber,
      });
      expect(cancelAfterCheck.has(session.id), "the seam ran").to.equal(false);
      expect(ack.ok).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal("session_cancelled");
      const { conn } = env.node.ctx;
      expect(await papersOf(conn, a.candidateId)).to.equal(0);
      expect(await examDb(conn).Attempts.countDocuments({ candidateId: a.candidateId })).to.equal(0);
      expect(await conn.collection("exam_exposure").countDocuments({ _id: session.id as never })).to.equal(0);
    } finally {
      proctor.close();
    }
  });

  it("when the session is cancelled between release's check and its write, then no attempt starts", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 2 });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      ok(await call(proctor, "proctor:watch", { sessionId: session.id }));
      await checkInAll(proctor, session.id, assignments);
      cancelAfterCheck.add(session.id);
      const ack = await call(proctor, "proctor:release", { sessionId: session.id });
      expect(cancelAfterCheck.has(session.id), "the seam ran").to.equal(false);
      expect(ack.ok).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal("session_cancelled");
      const docs = await examDb(env.node.ctx.conn).Attempts.find({ sessionId: session.id }).lean();
      expect(docs.map((d) => d.status)).to.deep.equal(["checked_in", "checked_in"]);
      expect(docs.every((d) => d.startedAt === null && d.deadline === null)).to.equal(true);
    } finally {
      proctor.close();
    }
  });
});
