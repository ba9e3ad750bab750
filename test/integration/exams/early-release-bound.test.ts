import { expect } from "chai";
import type { Connection } from "mongoose";
import { createFixtureSession, moveFixtureSessionBack } from "../../../scripts/bench/exam-fixtures.js";
import { call, connect, ok, proctorUser } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

const MINUTE = 60_000;

const auditOf = (conn: Connection, actions: string[], sessionId: string) =>
  conn
    .collection("audit_log")
    .find({ action: { $in: actions }, "target.id": sessionId })
    .toArray();

/**
 * Each deadline is the release plus the session's length, and candidates may log in only from 30
 * minutes before the scheduled start. A room released two hours early with 60 minutes had every
 * deadline passed before any candidate could log in (and ran outside its room booking). So a
 * release, reason or not, is bounded by EXAM_EARLY_RELEASE_MAX_MINUTES (at most the login window),
 * and check-in opens with the login window.
 */
describe("exam delivery: how early a room may be checked in and released", function () {
  this.timeout(60_000);
  const env = useExamNode();

  it("when a proctor checks a candidate in two hours before the start, then it is refused check_in_too_early and nothing is written", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, {
      candidates: 1,
      startsAt: new Date(Date.now() + 120 * MINUTE),
    });
    const proctor = await connect(env.node.url, proctorUser());
    try {
      const a = assignments[0];
      if (!a) throw new Error("fixture");
      const refused = await call(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: a.candidateId,
        idNumber: a.idNumber,
      });
      expect(!refused.ok && refused.error.code).to.equal("check_in_too_early");
      expect(!refused.ok && refused.error.message).to.match(/开考前 30 分钟/);
      const { Attempts } = examDb(env.node.ctx.conn);
      expect(await Attempts.countDocuments({ sessionId: session.id })).to.equal(0);
      expect(
        await env.node.ctx.conn.collection("exam_papers").countDocuments({ sessionId: session.id }),
      ).to.equal(0);
      expect(await auditOf(env.node.ctx.conn, ["exam.check_in"], session.id)).to.have.length(0);
    } finally {
      proctor.close();
    }
  });

  it("when a proctor releases a checked-in room two hours before its start with a reason, then it is refused release_too_early and nobody's clock starts", async () => {
    const room = await aRoom(env.node, { candidates: 2, startsAt: new Date(Date.now() + 20 * MINUTE) });
    try {
      // The session was moved later after check-in: its start is now two hours away.
      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, -100);
      const refused = await call(room.proctor, "proctor:release", {
        sessionId: room.session.id,
        earlyReason: "提前",
      });
      expect(!refused.ok && refused.error.code).to.equal("release_too_early");
      expect(!refused.ok && refused.error.message).to.match(/开考前 30 分钟/);
      const docs = await examDb(env.node.ctx.conn).Attempts.find({ sessionId: room.session.id }).lean();
      expect(docs).to.have.length(2);
      expect(docs.map((d) => [d.startedAt, d.deadline])).to.deep.equal([
        [null, null],
        [null, null],
      ]);
      const entries = await auditOf(
        env.node.ctx.conn,
        ["exam.release", "exam.early_release"],
        room.session.id,
      );
      expect(entries).to.have.length(0);
    } finally {
      room.close();
    }
  });

  it("when a proctor releases 25 minutes early with a reason, then the room starts and the audit entry carries the reason", async () => {
    const room = await aRoom(env.node, { candidates: 2, startsAt: new Date(Date.now() + 25 * MINUTE) });
    try {
      const unreasoned = await call(room.proctor, "proctor:release", { sessionId: room.session.id });
      expect(!unreasoned.ok && unreasoned.error.code).to.equal("early_release_reason_required");
      const released = ok(
        await call(room.proctor, "proctor:release", {
          sessionId: room.session.id,
          earlyReason: "考生全部到齐，经考点主任同意提前开考",
        }),
      );
      expect(released.affected).to.have.length(2);
      const [entry] = await auditOf(env.node.ctx.conn, ["exam.early_release"], room.session.id);
      expect(entry?.details).to.include({ reason: "考生全部到齐，经考点主任同意提前开考", attempts: 2 });
      const docs = await examDb(env.node.ctx.conn).Attempts.find({ sessionId: room.session.id }).lean();
      expect(docs.every((d) => d.status === "in_progress")).to.equal(true);
    } finally {
      room.close();
    }
  });
});

describe("exam delivery: early release bounded by configuration", function () {
  this.timeout(60_000);
  const env = useExamNode({ env: { EXAM_EARLY_RELEASE_MAX_MINUTES: "10" } });

  it("when the node allows 10 minutes and a proctor releases 20 minutes early, then it is refused; 8 minutes early it starts", async () => {
    const room = await aRoom(env.node, { candidates: 1, startsAt: new Date(Date.now() + 20 * MINUTE) });
    try {
      const release = () =>
        call(room.proctor, "proctor:release", { sessionId: room.session.id, earlyReason: "考生全部到齐" });
      const refused = await release();
      expect(!refused.ok && refused.error.code).to.equal("release_too_early");
      expect(!refused.ok && refused.error.message).to.match(/开考前 10 分钟/);
      const { Attempts } = examDb(env.node.ctx.conn);
      expect((await Attempts.findOne({ sessionId: room.session.id }).lean())?.startedAt).to.equal(null);

      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, 12);
      expect(ok(await release()).affected).to.have.length(1);
    } finally {
      room.close();
    }
  });
});
