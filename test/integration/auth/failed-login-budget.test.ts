import { expect } from "chai";
import { aMinuteOfItsOwn, authWithFailedLoginBudget } from "../../helpers/budgeted-auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * Failed logins are audited one by one within a budget per client address; past it they are counted
 * and audited as one summary: anyone can send them, and each was an entry in the audit chain that
 * every audited action waits behind.
 */
describe("staff login: failed logins audited within a budget", function () {
  this.timeout(60_000);
  const env = useTestNode();

  it("when one address fails more often than its budget, then the first are audited one by one and the rest as one summary", async () => {
    // The budget is counted per minute of the service's clock: it stands still here, so the
    // failures below fall into one minute wherever the test runs.
    const at = new Date();
    const auth = authWithFailedLoginBudget(env.node, { perSource: 2, total: 100, maxSources: 10 }, at);
    const name = `spray_${Date.now()}`;
    const tries = (ip: string, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          auth
            .authenticateStaff(`${name}_${i}`, "wrong-password", { ip })
            .catch((err: { code?: string }) => err.code),
        ),
      );
    expect(await tries("10.9.0.1", 5)).to.deep.equal(Array(5).fill("invalid_credentials"));
    // Another address keeps its own budget.
    await tries("10.9.0.2", 1);
    const audit = env.node.ctx.conn.collection("audit_log");
    const one = await audit.countDocuments({
      action: "auth.login_failed",
      "details.loginName": { $regex: `^${name}` },
    });
    expect(one).to.equal(3);
    await auth.closeFailureSummaries();
    const summaries = await audit.find({ action: "auth.login_failures_summarised" }).toArray();
    expect(summaries.map((e) => e.details)).to.deep.include({ count: 3, sources: 1 });
  });

  /** Failed logins from `ip` at each of `times` (the service's clock set to each in turn); how many were audited one by one. */
  async function failAt(times: number[], ip: string, perSource: number): Promise<number> {
    let now = times[0] ?? 0;
    const auth = authWithFailedLoginBudget(
      env.node,
      { perSource, total: 1000, maxSources: 10 },
      () => new Date(now),
    );
    const name = `straddle_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    for (const [i, t] of times.entries()) {
      now = t;
      const code = await auth.authenticateStaff(`${name}_${i}`, "wrong-password", { ip }).then(
        () => "ok",
        (err: { code?: string }) => err.code,
      );
      expect(code).to.equal("invalid_credentials");
    }
    await auth.closeFailureSummaries();
    return env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "auth.login_failed", "details.loginName": { $regex: `^${name}_` } });
  }

  it("when one address bursts across a minute's boundary, then it is audited one by one within one minute's budget, not two", async () => {
    const boundary = Math.floor(aMinuteOfItsOwn().getTime() / 60_000) * 60_000;
    // Three a tenth of a second before the minute turns, three a tenth of a second after it.
    const times = [...Array(3).fill(boundary - 100), ...Array(3).fill(boundary + 100)] as number[];
    expect(await failAt(times, "10.9.1.1", 3)).to.equal(3);
  });

  it("when an address fails at its budget's pace, then each of its failures is audited one by one", async () => {
    const start = Math.floor(aMinuteOfItsOwn().getTime() / 60_000) * 60_000;
    // Three a minute, evenly spread over three minutes.
    const times = Array.from({ length: 9 }, (_, i) => start + i * 20_000 + 1);
    expect(await failAt(times, "10.9.1.2", 3)).to.equal(9);
  });
});
