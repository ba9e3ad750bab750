import { expect } from "chai";
import { useExamNodes } from "../../helpers/exam-nodes.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import { call, connect, proctorUser } from "./support/clients.js";
import { examDb } from "./support/models.js";

/**
 * One candidate has at most one attempt per session: a second check-in answers the first attempt
 * (check-in.ts), a voided one refuses re-entry, a later sitting is another session. Two proctors
 * on two instances checking the same candidate in at the same moment must not both write one.
 */
describe("exam delivery: one attempt per candidate and session", function () {
  this.timeout(60_000);
  /** Check-ins held after their session check until `expected` have arrived, then let go together. */
  const barrier = { expected: 0, waiting: [] as (() => void)[] };
  const hold = async (): Promise<void> => {
    if (barrier.expected === 0) return;
    await new Promise<void>((resolve) => {
      barrier.waiting.push(resolve);
      if (barrier.waiting.length >= barrier.expected) {
        barrier.expected = 0;
        for (const go of barrier.waiting.splice(0)) go();
      }
    });
  };
  const env = useExamNodes(2, { options: { afterSessionCheck: () => hold() } });

  it("when two proctors on two instances check the same candidate in at once, then one attempt is written and both are answered with it", async () => {
    const [a, b] = env.nodes;
    if (!a || !b) throw new Error("fixture: two nodes");
    const { session, assignments } = await createFixtureSession(a.ctx.conn, { candidates: 1 });
    const seat = assignments[0];
    if (!seat) throw new Error("fixture: one seat");
    const first = await connect(a.url, proctorUser());
    const second = await connect(b.url, { ...proctorUser(), id: "proctor-2", displayName: "赵监考" });
    try {
      barrier.expected = 2;
      const payload = { sessionId: session.id, candidateId: seat.candidateId, idNumber: seat.idNumber };
      const acks = await Promise.all([
        call(first, "proctor:check_in", payload),
        call(second, "proctor:check_in", payload),
      ]);
      expect(barrier.expected, "both check-ins passed their checks before either wrote").to.equal(0);
      const attempts = await examDb(a.ctx.conn)
        .Attempts.find({ sessionId: session.id, candidateId: seat.candidateId }, { _id: 1 })
        .lean();
      expect(attempts).to.have.length(1);
      expect(await examDb(a.ctx.conn).Papers.countDocuments({ sessionId: session.id })).to.equal(1);
      const ids = acks.map((ack) => (ack.ok ? ack.data.seat.attemptId : ack.error.code));
      expect(ids).to.deep.equal([attempts[0]?._id, attempts[0]?._id]);
    } finally {
      first.close();
      second.close();
    }
  });
});
