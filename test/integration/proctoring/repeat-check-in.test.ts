import { expect } from "chai";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { proctorUser } from "../exams/support/clients.js";
import { examDb } from "../exams/support/models.js";
import { useExamNode } from "../exams/support/setup.js";

/** An on-site photo as the check-in dialog sends it (a JPEG's magic bytes and some data). */
const JPEG = `data:image/jpeg;base64,${Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]).toString("base64")}`;

/**
 * A second check-in of a candidate already checked in (the desk pressed 核验 again, two proctors
 * at once) answers the existing attempt: it changes nothing, so it records nothing either.
 */
describe("proctoring: a repeated check-in", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });

  it("when a candidate checked in with a photo is checked in again with another, then the audit log keeps the one check-in and the attempt its first photo", async () => {
    const { session, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const a = assignments[0]!;
    const desk = env.node.delivery.proctoring;
    const input = { sessionId: session.id, candidateId: a.candidateId, idNumber: a.idNumber };
    const first = await desk.checkIn(proctorUser(), { ...input, photo: JPEG });
    const attempt = await examDb(env.node.ctx.conn).Attempts.findById(first.seat.attemptId).lean();
    const again = await desk.checkIn(proctorUser(), { ...input, photo: JPEG.replace(/B/g, "C") });
    expect(again.seat.attemptId).to.equal(first.seat.attemptId);
    const entries = await env.node.ctx.conn
      .collection("audit_log")
      .find({ action: "exam.check_in", "details.sessionId": session.id })
      .toArray();
    expect(entries).to.have.length(1);
    const after = await examDb(env.node.ctx.conn).Attempts.findById(first.seat.attemptId).lean();
    expect(after?.onSitePhoto ?? null).to.deep.equal(attempt?.onSitePhoto ?? null);
  });
});
