import { expect } from "chai";
import type { AuthService } from "../../../server/auth/index.js";
import { createFailureSummaries } from "../../../server/auth/failure-summaries.js";
import { createAuditService } from "../../../server/audit/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { aMinuteOfItsOwn, authWithFailedLoginBudget } from "../../helpers/budgeted-auth.js";
import { eventually } from "../../helpers/eventually.js";
import { useTestNode, type TestNode } from "../../helpers/node.js";

/** The summary period authWithFailedLoginBudget's services count in. */
const HOUR = 3_600_000;

interface AuditRow {
  seq: number;
  action: string;
  details?: Record<string, unknown>;
}

/** The last audit sequence number now, so a test reads only the summaries written after it. */
async function lastSeq(node: TestNode): Promise<number> {
  const audit = node.ctx.conn.collection<AuditRow>("audit_log");
  return (await audit.find().sort({ seq: -1 }).limit(1).toArray())[0]?.seq ?? 0;
}

/** The failed-login summaries audited after `from`, in order. */
async function summariesAfter(node: TestNode, from: number): Promise<Record<string, unknown>[]> {
  const audit = node.ctx.conn.collection<AuditRow>("audit_log");
  const rows = await audit
    .find({ seq: { $gt: from }, action: "auth.login_failures_summarised" })
    .sort({ seq: 1 })
    .toArray();
  return rows.map((r) => r.details ?? {});
}

/** Failed staff logins from `ip`, one after the other, each at a name of its own. */
async function fail(auth: AuthService, ip: string, times: number): Promise<void> {
  const name = `summed_${Date.now()}_${Math.random().toString(36).slice(2)}`;
  for (let i = 0; i < times; i++) {
    const code = await auth.authenticateStaff(`${name}_${i}`, "wrong-password", { ip }).then(
      () => "ok",
      (err: { code?: string }) => err.code,
    );
    expect(code).to.equal("invalid_credentials");
  }
}

/**
 * Failed logins past the audit budget are summed up, one summary a period for the whole node. They
 * were counted with two database upserts each, on one contended row, and the login waited for
 * them: during exactly the flood the budget exists for. Each instance now counts them in memory
 * and hands its count to the node's row once a period.
 */
describe("failed-login summaries: counted in memory, one summary a period for the node", function () {
  this.timeout(60_000);
  const env = useTestNode({ monitorCommands: true });

  it("when many failed logins over budget arrive on two instances, then the node audits one summary of the period with their sum and distinct sources", async () => {
    const from = await lastSeq(env.node);
    const at = aMinuteOfItsOwn();
    const [a, b] = [0, 1].map(() => authWithFailedLoginBudget(env.node, { perSource: 1, total: 100 }, at));
    // Three addresses, one of them on both instances: each address's first is audited one by one.
    await fail(a!, "192.0.2.11", 4);
    await fail(a!, "192.0.2.12", 4);
    await fail(b!, "192.0.2.12", 4);
    await fail(b!, "192.0.2.13", 4);
    await Promise.all([a!.closeFailureSummaries(), b!.closeFailureSummaries()]);
    expect(await summariesAfter(env.node, from)).to.deep.equal([{ count: 13, sources: 3 }]);
  });

  it("when failed logins over budget flood an instance, then none of them writes to the database, and each instance's period costs one write and one summing up", async () => {
    const at = aMinuteOfItsOwn();
    const [a, b] = [0, 1].map(() => authWithFailedLoginBudget(env.node, { perSource: 1, total: 100 }, at));
    // The summary's rows in login_rates, by what each command touches (the budget's token rows aside).
    const writes: string[] = [];
    const client = env.node.ctx.conn.getClient();
    const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.command[e.commandName] !== "login_rates") return;
      const filters =
        e.commandName === "update"
          ? ((e.command.updates as { q?: { _id?: unknown } }[] | undefined) ?? []).map((u) => u.q)
          : e.commandName === "findAndModify"
            ? [e.command.query as { _id?: unknown } | undefined]
            : [];
      for (const q of filters)
        if (typeof q?._id === "string" && /^failed-(summary|source):/.test(q._id)) writes.push(e.commandName);
    };
    client.on("commandStarted", listener);
    try {
      await fail(a!, "192.0.2.21", 12);
      await fail(b!, "192.0.2.21", 12);
      expect(writes, "no write per failure while the logins arrive").to.deep.equal([]);
      await Promise.all([a!.closeFailureSummaries(), b!.closeFailureSummaries()]);
    } finally {
      client.off("commandStarted", listener);
    }
    // Per instance: its count handed in (once more into the next period when the other instance
    // summed this one up first), and its try at summing up: a few writes, whatever the failures.
    expect(writes.length, writes.join(", ")).to.be.within(2, 6);
  });

  it("when the node's row cannot be written, then the instance audits its own summary and nothing is lost", async () => {
    const from = await lastSeq(env.node);
    const at = aMinuteOfItsOwn();
    const period = Math.floor(at.getTime() / HOUR);
    // Rows the database refuses to count into (`$inc` on text) for the period and the later ones a
    // late count would try.
    const rates = env.node.ctx.conn.collection<{ _id: string }>("login_rates");
    const ids = [0, 1, 2, 3, 4].map((i) => `failed-summary:${HOUR}:${period + i}`);
    await rates.insertMany(
      ids.map((_id, i) => ({
        _id,
        count: "unwritable",
        summarised: false,
        period: period + i,
        expireAt: new Date(at.getTime() + 2 * HOUR),
      })),
    );
    try {
      const auth = authWithFailedLoginBudget(env.node, { perSource: 1, total: 100 }, at);
      await fail(auth, "192.0.2.31", 5);
      await fail(auth, "192.0.2.32", 3);
      await auth.closeFailureSummaries();
      expect(await summariesAfter(env.node, from)).to.deep.equal([{ count: 6, sources: 2 }]);
    } finally {
      await rates.deleteMany({ _id: { $in: ids } });
    }
  });

  it("when an instance hands in its count after the period was summed up, then its count goes into the next period's summary", async () => {
    const from = await lastSeq(env.node);
    const at = aMinuteOfItsOwn();
    const [a, b] = [0, 1].map(() => authWithFailedLoginBudget(env.node, { perSource: 1, total: 100 }, at));
    await fail(a!, "192.0.2.41", 3);
    await fail(b!, "192.0.2.42", 4);
    await a!.closeFailureSummaries();
    await b!.closeFailureSummaries();
    expect(await summariesAfter(env.node, from)).to.deep.equal([
      { count: 2, sources: 1 },
      { count: 3, sources: 1 },
    ]);
  });

  it("when an instance handed in a period's count and stopped before summing it up, then the next instance that sums up writes that period's summary too", async () => {
    const from = await lastSeq(env.node);
    const at = aMinuteOfItsOwn();
    // Two periods back, so it is over (and its grace too) whatever minute of its hour `at` is.
    const orphan = Math.floor(at.getTime() / HOUR) - 2;
    const rates = env.node.ctx.conn.collection<Record<string, unknown> & { _id: string }>("login_rates");
    await rates.insertOne({
      _id: `failed-summary:${HOUR}:${orphan}`,
      count: 7,
      sources: ["192.0.2.60", "192.0.2.61"],
      summarised: false,
      period: orphan,
      expireAt: new Date(at.getTime() + 2 * HOUR),
    });
    const auth = authWithFailedLoginBudget(env.node, { perSource: 1, total: 100 }, at);
    await fail(auth, "192.0.2.62", 3);
    await auth.closeFailureSummaries();
    expect(await summariesAfter(env.node, from)).to.deep.equal([
      { count: 2, sources: 1 },
      { count: 7, sources: 2 },
    ]);
  });

  it("when a period ends with no shutdown, then each instance hands in its count and the node audits one summary of both", async () => {
    const from = await lastSeq(env.node);
    const logger = createLogger({ level: "silent" });
    const audit = createAuditService(env.node.ctx.conn);
    // A period length no other test counts in, and a clock the test moves: the instances' own
    // timers hand in and sum up, with no wait for a period to start or end.
    const windowMs = 7_000;
    const period = Math.floor(aMinuteOfItsOwn().getTime() / windowMs);
    let t = (period + 1) * windowMs - 1;
    const options = { windowMs, clock: () => new Date(t), audit, logger };
    const [a, b] = [0, 1].map(() => createFailureSummaries(env.node.ctx.conn, options));
    const rates = env.node.ctx.conn.collection<{ _id: string; count?: number; summarised?: boolean }>(
      "login_rates",
    );
    const row = () => rates.findOne({ _id: `failed-summary:${windowMs}:${period}` });
    try {
      // The last millisecond of the period: every count below falls into it.
      for (let i = 0; i < 5; i++) {
        a!.count("192.0.2.51");
        b!.count(`192.0.2.${52 + (i % 2)}`);
      }
      t += 1;
      await eventually(async () => (await row())?.count === 10, {
        what: "both instances hand in their count",
        tries: 500,
        everyMs: 20,
      });
      expect((await row())?.summarised, "not summed up within the grace").to.equal(false);
      t += 3_000;
      await eventually(async () => (await row())?.summarised === true, {
        what: "the period is summed up",
        tries: 500,
        everyMs: 20,
      });
      // Both instances try: the one left finds the period summed up when it shuts down, at the latest.
      await Promise.all([a!.close(), b!.close()]);
      expect(await summariesAfter(env.node, from)).to.deep.equal([{ count: 10, sources: 3 }]);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });
});
