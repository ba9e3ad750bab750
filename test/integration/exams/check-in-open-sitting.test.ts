import { expect } from "chai";
import { createFixtureSession, tinyKey } from "../../../scripts/bench/exam-fixtures.js";
import { checkInSeat, connect, ok, proctorUser } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { anotherSittingOf, aRoom, useExamNode } from "./support/setup.js";

/**
 * Check-in judges the retake rules on the candidate's attempts of the category, and only finished
 * ones counted: a sitting still open in another session was invisible, and the check-in read them
 * before its transaction and never again. A check-in now refuses while another sitting of the
 * category is open, and judges again inside its transaction, which conflicts with a check-in or a
 * closing of the same candidate and category committing meanwhile.
 */
describe("exam delivery: one open sitting of a category per candidate", function () {
  this.timeout(60_000);
  /** Run once, between a check-in's checks and its transaction, for the session named (the seam). */
  const between = new Map<string, () => Promise<void>>();
  const env = useExamNode({
    options: {
      afterSessionCheck: async (sessionId) => {
        const run = between.get(sessionId);
        between.delete(sessionId);
        await run?.();
      },
    },
  });

  it("when the candidate is answering in another session of the category, then the check-in is refused and no paper is drawn", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [seat] = room.assignments;
    if (!seat) throw new Error("fixture");
    try {
      const july = await anotherSittingOf(env.node, seat);
      const refused = await checkInSeat(room.proctor, july.id, seat);
      expect(refused.ok ? "ok" : refused.error.code).to.equal("sitting_open");
      expect(!refused.ok && refused.error.message).to.match(/另一场次/);
      const { Attempts, Papers } = examDb(env.node.ctx.conn);
      expect(await Attempts.countDocuments({ sessionId: july.id })).to.equal(0);
      expect(await Papers.countDocuments({ sessionId: july.id })).to.equal(0);
    } finally {
      room.close();
    }
  });

  it("when another session's check-in of the candidate commits between this check-in's checks and its writes, then this one is refused", async () => {
    const { session: june, assignments } = await createFixtureSession(env.node.ctx.conn, { candidates: 1 });
    const [seat] = assignments;
    if (!seat) throw new Error("fixture");
    const july = await anotherSittingOf(env.node, seat);
    const proctor = await connect(env.node.url, proctorUser());
    const checkIn = (sessionId: string) => checkInSeat(proctor, sessionId, seat);
    try {
      const juneAcks: Awaited<ReturnType<typeof checkIn>>[] = [];
      between.set(july.id, async () => {
        juneAcks.push(await checkIn(june.id));
      });
      const julyAck = await checkIn(july.id);
      expect(between.has(july.id), "the seam ran").to.equal(false);
      expect(juneAcks.map((a) => ok(a).seat.state)).to.deep.equal(["checked_in"]);
      expect(julyAck.ok ? "ok" : julyAck.error.code).to.equal("sitting_open");
      const { Attempts, Papers } = examDb(env.node.ctx.conn);
      expect(await Attempts.countDocuments({ candidateId: seat.candidateId })).to.equal(1);
      expect(await Papers.countDocuments({ sessionId: july.id })).to.equal(0);
    } finally {
      proctor.close();
    }
  });

  it("when a sitting closes, then its closing writes the candidate's category guard that check-in writes too", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const [candidate] = room.candidates;
    const [seat] = room.assignments;
    if (!candidate || !seat) throw new Error("fixture");
    try {
      const guard = () =>
        env.node.ctx.conn
          .collection<{ _id: string; n: number }>("exam_sitting_guards")
          .findOne({ _id: `${seat.candidateId}:${room.session.categoryCode}` });
      const checkedIn = (await guard())?.n ?? 0;
      expect(checkedIn).to.equal(1);
      for (let i = 0; i < 10; i++) await candidate.answer(i, tinyKey(i));
      ok(await candidate.submit());
      expect((await guard())?.n).to.equal(checkedIn + 1);
      // Passed: the same candidate's check-in elsewhere now meets `already_passed`.
      const july = await anotherSittingOf(env.node, seat);
      const refused = await checkInSeat(room.proctor, july.id, seat);
      expect(refused.ok ? "ok" : refused.error.code).to.equal("already_passed");
    } finally {
      room.close();
    }
  });
});
