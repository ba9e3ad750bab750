import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { authWithFailedLoginBudget } from "../../helpers/budgeted-auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * Who a failed login is counted against when only its address says (the audit budget of failed
 * logins, and a candidate's lockout away from any seat): an IPv6 client is routinely given a whole
 * /64 and can send from any address in it, and an IPv4 client may reach a dual-stack socket as an
 * IPv4-mapped IPv6 address. Either way it is one client, with one budget.
 */
describe("failed logins counted by client address: IPv6 /64 and IPv4-mapped addresses", function () {
  this.timeout(60_000);
  const env = useTestNode();

  /**
   * An auth service on the node's database whose budget audits `perSource` failures per address.
   * The budget is counted in the database per minute of the service's clock: each service's clock
   * stands still at a minute of its own, so each starts with a budget of its own.
   */
  const authWithBudget = (perSource: number) =>
    authWithFailedLoginBudget(env.node, { perSource, total: 1000 });

  /** Failed staff logins from each of `ips` in turn (a fresh name each); how many were audited one by one. */
  async function auditedOneByOne(ips: string[]): Promise<number> {
    const auth = authWithBudget(2);
    const name = `spray_${randomBytes(4).toString("hex")}`;
    for (const [i, ip] of ips.entries()) {
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

  it("when two addresses of one IPv6 /64 fail, then they spend one budget; another /64 has its own", async () => {
    const sameNet = [
      "2001:db8:7:7::1",
      "2001:db8:7:7::2",
      "2001:db8:7:7:ffff:1:2:3",
      "2001:0db8:0007:0007::9",
    ];
    expect(await auditedOneByOne(sameNet)).to.equal(2);
    expect(await auditedOneByOne([...sameNet.slice(0, 2), "2001:db8:7:8::1"])).to.equal(3);
  });

  it("when an IPv4 client arrives as ::ffff:203.0.113.7, then it spends 203.0.113.7's budget", async () => {
    const ips = ["203.0.113.7", "::ffff:203.0.113.7", "::FFFF:203.0.113.7", "::ffff:cb00:7107"];
    expect(await auditedOneByOne(ips)).to.equal(2);
  });

  it("when a candidate's ID number fails from addresses across one IPv6 /64 away from any seat, then the fifth failure locks it there", async () => {
    const auth = authWithBudget(100);
    const idNumber = `32010219800101${String(Date.now() % 10_000).padStart(4, "0")}`;
    const codes = [];
    for (let i = 1; i <= 6; i++) {
      const code = await auth
        .authenticateCandidate(
          { idNumber, ticketNo: `99000101${String(i).padStart(4, "0")}` },
          { ip: i % 2 ? `2001:db8:9:9::${i}` : `2001:db8:9:9:${i}::1` },
        )
        .then(
          () => "ok",
          (err: { code?: string }) => err.code,
        );
      codes.push(code);
    }
    expect(codes).to.deep.equal([...Array(5).fill("invalid_credentials"), "account_locked"]);
  });
});
