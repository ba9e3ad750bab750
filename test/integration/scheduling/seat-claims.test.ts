import { expect } from "chai";
import type { ClientSession } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { scheduleCandidates } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const officer: AuthUser = {
  id: "test-officer",
  kind: "staff",
  roles: ["admin", "officer"],
  displayName: "测试",
  divisionCode: "320000",
  provinceCode: "320000",
};

/** MongoDB's answer to a transaction writing a document another transaction wrote (retryable). */
const isWriteConflict = (err: unknown) =>
  (err as { errorLabels?: string[] } | null)?.errorLabels?.includes("TransientTransactionError") === true;

/**
 * Issue 9/10 (review): a check-in admits its candidate by claiming the candidate's own seat
 * assignment inside its transaction (`claimSeat`), not the one session document, so check-ins of
 * one room run side by side; cancelling, re-timing and unseating write the seats they affect, so
 * each still conflicts with a check-in in flight instead of slipping between its check and write.
 */
describe("scheduling: seat claims of check-ins", function () {
  this.timeout(120_000);
  const env = useTestNode();
  const scheduling = () => {
    const { conn, config } = env.node.ctx;
    return createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: createRegistrationService(conn, {
        provinceCode: config.provinceCode,
        timeZone: config.timeZone,
      }),
    });
  };

  /**
   * Runs `claim` in a transaction retried on write conflicts as check-in's is; before the first
   * try's claim, after the transaction has read (its snapshot is fixed), runs `between` to commit.
   */
  async function claimWithChangeBetween(
    claim: (tx: ClientSession) => Promise<unknown>,
    between: () => Promise<unknown>,
  ): Promise<{ result: unknown; tries: number }> {
    let tries = 0;
    const result = await env.node.ctx.conn.transaction(async (tx) => {
      tries += 1;
      await env.node.ctx.conn.collection("seat_assignments").findOne({}, { session: tx });
      if (tries === 1) await between();
      return claim(tx);
    });
    return { result, tries };
  }

  it("when two check-ins of one session claim their seats in overlapping transactions, then neither meets a write conflict", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, { count: 2 });
    const [a, b] = candidates;
    if (!a || !b) throw new Error("fixture");
    const sched = scheduling();
    const { conn } = env.node.ctx;
    const first = await conn.startSession();
    const second = await conn.startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      expect(await sched.claimSeat(session.id, a.id, first)).to.include({ id: session.id });
      // Before the first commits: the old claim on the session document conflicted right here.
      const claimed = await sched.claimSeat(session.id, b.id, second).catch((err: unknown) => {
        if (isWriteConflict(err)) return "write conflict";
        throw err;
      });
      expect(claimed).to.include({ id: session.id });
      await first.commitTransaction();
      await second.commitTransaction();
    } finally {
      if (first.inTransaction()) await first.abortTransaction();
      if (second.inTransaction()) await second.abortTransaction();
      await first.endSession();
      await second.endSession();
    }
  });

  it("when the session is cancelled after a check-in's transaction began and before it claims the seat, then the claim conflicts and, retried, is refused", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, { count: 1 });
    const sched = scheduling();
    const { result, tries } = await claimWithChangeBetween(
      (tx) => sched.claimSeat(session.id, candidates[0]!.id, tx),
      () => sched.updateSession(officer, session.id, { status: "cancelled" }),
    );
    expect({ result, tries }).to.deep.equal({ result: "session_cancelled", tries: 2 });
  });

  it("when the candidate is unseated after a check-in's transaction began and before it claims the seat, then the claim conflicts and, retried, is refused", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, { count: 1 });
    const sched = scheduling();
    const { result, tries } = await claimWithChangeBetween(
      (tx) => sched.claimSeat(session.id, candidates[0]!.id, tx),
      () => sched.unassign(officer, session.id, candidates[0]!.id),
    );
    expect({ result, tries }).to.deep.equal({ result: "not_assigned", tries: 2 });
  });

  it("when the session is moved after a check-in's transaction began and before it claims the seat, then the claim conflicts and the retry sees the new time", async () => {
    const { session, candidates } = await scheduleCandidates(env.node, { count: 1 });
    const sched = scheduling();
    const later = new Date(Date.now() + 3 * 60 * 60_000).toISOString();
    const { result, tries } = await claimWithChangeBetween(
      (tx) => sched.claimSeat(session.id, candidates[0]!.id, tx),
      () => sched.updateSession(officer, session.id, { startsAt: later }),
    );
    expect(tries).to.equal(2);
    expect(result).to.include({ id: session.id, startsAt: later });
  });
});
