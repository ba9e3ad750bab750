import { randomBytes, randomInt } from "node:crypto";
import { expect } from "chai";
import type { AuthService } from "../../../server/auth/index.js";
import { databaseTime } from "../../../server/lib/mongo.js";
import { anonymousAgent } from "../../helpers/auth.js";
import { aMinuteOfItsOwn, authWithFailedLoginBudget } from "../../helpers/budgeted-auth.js";
import { startTestNode, useTestNode, type TestNode } from "../../helpers/node.js";

/** The login limit per address on both instances here: small, so a test reaches it quickly. */
const LIMIT = 4;
const MINUTE = 60_000;

/**
 * A documentation address (RFC 5737) no other test in this file uses: taken in turn, not at random,
 * since a count left by another test in the minute before now also counts (a sliding minute).
 */
let lastAddress = randomInt(0, 254);
const freshAddress = () => `198.51.100.${(lastAddress++ % 254) + 1}`;
const freshName = () => `spray_${randomBytes(4).toString("hex")}`;

/**
 * Runs `round` until it ran within one minute of the database's clock (the window the limits count
 * in), at most three times: a round that crossed into the next minute was counted in two windows,
 * which says nothing about the limit. Each run gets its own address.
 */
async function withinOneWindow<T>(node: TestNode, round: (address: string) => Promise<T>): Promise<T> {
  for (let i = 0; i < 3; i++) {
    const before = Math.floor((await databaseTime(node.ctx.conn)).getTime() / MINUTE);
    const result = await round(freshAddress());
    const after = Math.floor((await databaseTime(node.ctx.conn)).getTime() / MINUTE);
    if (before === after) return result;
  }
  throw new Error("three rounds in a row crossed a minute");
}

/**
 * Failed staff logins from `address` (behind the load balancer: X-Forwarded-For), one after the
 * other, on the instances in turn, each at a name of its own; the code each was answered with.
 */
async function spray(instances: TestNode[], address: string, attempts: number): Promise<string[]> {
  const agents = await Promise.all(instances.map((node) => anonymousAgent(node)));
  const name = freshName();
  const codes: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const { agent } = agents[i % agents.length]!;
    const res = await agent
      .post("/api/auth/login")
      .set("x-forwarded-for", address)
      .send({ username: `${name}_${i}`, password: "wrong-password" });
    codes.push(res.status === 200 ? "ok" : String(res.body.error?.code));
  }
  return codes;
}

/**
 * Production runs several instances of one node behind a load balancer. The lockout per name was
 * already kept in the node's database; the login limit per address was kept in each instance's
 * memory, so N instances let one address try N times its limit (password spraying across many
 * names), and a restart forgot it.
 */
describe("login limit per address: shared by every instance of a node", function () {
  this.timeout(120_000);
  const env = { LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: "true", COOKIE_SECURE: "false" };
  let a: TestNode;
  let b: TestNode;
  before(async () => {
    a = await startTestNode({ env });
    b = await startTestNode({ env, shareDatabase: a.dbName });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  it("when one address spreads its logins over two instances, then its limit holds across both", async () => {
    const codes = await withinOneWindow(a, (address) => spray([a, b], address, 2 * LIMIT));
    expect(codes).to.deep.equal([
      ...Array(LIMIT).fill("invalid_credentials"),
      ...Array(LIMIT).fill("too_many_requests"),
    ]);
  });

  it("when one address floods one instance, then the attempts past its limit are refused there without a database write each", async () => {
    const { codes, counted } = await withinOneWindow(a, async (address) => {
      const codes = await spray([a], address, 3 * LIMIT);
      const rows = await a.ctx.conn
        .collection<{ _id: string; count: number }>("login_rates")
        .find({ _id: { $regex: `^ip:${address.replace(/\./g, "\\.")}:` } })
        .toArray();
      return { codes, counted: rows.reduce((sum, r) => sum + r.count, 0) };
    });
    expect(codes.filter((c) => c === "too_many_requests")).to.have.length(2 * LIMIT);
    expect(counted).to.equal(LIMIT);
  });

  it("when the shared count cannot be written, then the login is refused with login_limit_unavailable, not let through", async () => {
    const address = freshAddress();
    // A count the database refuses to add to (`$inc` on text) in this minute and the ones either
    // side of it: the write fails whenever the login lands.
    const minute = Math.floor((await databaseTime(a.ctx.conn)).getTime() / MINUTE);
    const rates = a.ctx.conn.collection<{ _id: string; count: unknown }>("login_rates");
    await rates.insertMany(
      [minute - 1, minute, minute + 1].map((w) => ({ _id: `ip:${address}:${w}`, count: "unwritable" })),
    );
    const { agent } = await anonymousAgent(b);
    const res = await agent
      .post("/api/auth/login")
      .set("x-forwarded-for", address)
      .send({ username: freshName(), password: "wrong-password" });
    expect(res.status).to.equal(503);
    expect(res.body.error?.code).to.equal("login_limit_unavailable");
  });
});

/**
 * Failed logins are audited one by one within a budget (per address, and for everyone), the rest
 * summed up. The budget was each instance's memory: N instances wrote N times the entries a minute
 * into the hash-chained audit log that every audited action waits behind.
 */
describe("failed-login audit budget: shared by every instance of a node", function () {
  this.timeout(60_000);
  const env = useTestNode();

  /**
   * Two instances' worth of the identity service on the node's database, each with memory of its
   * own, on one clock fixed at a minute of their own (the budgets count per minute of it).
   */
  function twoInstances(budget: { perSource: number; total: number }): AuthService[] {
    const at = aMinuteOfItsOwn();
    const instance = () => authWithFailedLoginBudget(env.node, budget, at);
    return [instance(), instance()];
  }

  /** Failed staff logins, one after the other, on the instances in turn; how many were audited one by one and summed up. */
  async function failOn(instances: AuthService[], addresses: string[]) {
    const audit = env.node.ctx.conn.collection<{ details?: { count?: number } }>("audit_log");
    const summedUp = async () =>
      (await audit.find({ action: "auth.login_failures_summarised" }).toArray()).reduce(
        (sum, e) => sum + (e.details?.count ?? 0),
        0,
      );
    const summedBefore = await summedUp();
    const name = freshName();
    for (const [i, ip] of addresses.entries()) {
      const code = await instances[i % instances.length]!.authenticateStaff(
        `${name}_${i}`,
        "wrong-password",
        { ip },
      ).then(
        () => "ok",
        (err: { code?: string }) => err.code,
      );
      expect(code).to.equal("invalid_credentials");
    }
    await Promise.all(instances.map((auth) => auth.closeFailureSummaries()));
    const oneByOne = await audit.countDocuments({
      action: "auth.login_failed",
      "details.loginName": { $regex: `^${name}_` },
    });
    return { oneByOne, summedUp: (await summedUp()) - summedBefore };
  }

  it("when one address fails on two instances, then it is audited one by one only within its budget across both", async () => {
    const counts = await failOn(twoInstances({ perSource: 2, total: 100 }), Array(6).fill(freshAddress()));
    expect(counts).to.deep.equal({ oneByOne: 2, summedUp: 4 });
  });

  it("when both instances sum up failures of one period, then the audit chain gets one summary of them all, not one per instance", async () => {
    const audit = env.node.ctx.conn.collection<{ seq: number; details?: unknown }>("audit_log");
    const last = async () => (await audit.find().sort({ seq: -1 }).limit(1).toArray())[0]?.seq ?? 0;
    const from = await last();
    const [a, b] = twoInstances({ perSource: 1, total: 100 });
    const name = freshName();
    const address = freshAddress();
    // Three on each instance: the first is audited one by one, the five after it are summed up.
    for (const [i, auth] of [a, b, a, b, a, b].entries()) {
      const code = await auth!.authenticateStaff(`${name}_${i}`, "wrong-password", { ip: address }).then(
        () => "ok",
        (err: { code?: string }) => err.code,
      );
      expect(code).to.equal("invalid_credentials");
    }
    await Promise.all([a!.closeFailureSummaries(), b!.closeFailureSummaries()]);
    const summaries = await audit
      .find({ seq: { $gt: from }, action: "auth.login_failures_summarised" })
      .toArray();
    expect(summaries.map((e) => e.details)).to.deep.equal([{ count: 5, sources: 1 }]);
  });

  it("when many addresses fail on two instances, then the node audits one by one only within the total budget across both", async () => {
    const addresses = Array.from({ length: 8 }, (_, i) => `203.0.113.${i + 1}`);
    const counts = await failOn(twoInstances({ perSource: 100, total: 3 }), addresses);
    expect(counts).to.deep.equal({ oneByOne: 3, summedUp: 5 });
  });
});
