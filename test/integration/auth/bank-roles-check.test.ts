import { expect } from "chai";
import type { Logger } from "pino";
import { warnBankRolesBelowProvince } from "../../../server/auth/bank-roles-check.js";
import { useTestNode } from "../../helpers/node.js";

/** A logger that keeps what was warned (the check logs nothing else). */
function warnings() {
  const seen: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => seen.push({ fields, message }),
  } as unknown as Logger;
  return { seen, logger };
}

/**
 * The question bank became the province's: an examiner or reviewer account kept at a city or county
 * (made before the rule) silently lost every bank page. At start the node says how many there are
 * and what to do, once; with none, it says nothing.
 */
describe("identity: accounts holding bank roles below the province, at start", function () {
  this.timeout(60_000);
  const env = useTestNode();
  const account = (username: string, roles: string[], divisionCode: string) => ({
    username,
    displayName: username,
    passwordHash: "x",
    roles,
    divisionCode,
    active: true,
  });

  it("when no examiner or reviewer is kept below the province, then nothing is warned", async () => {
    const { seen, logger } = warnings();
    await env.node.ctx.conn
      .collection("staff_users")
      .insertMany([
        account("prov-examiner", ["examiner"], "320000"),
        account("city-officer", ["officer"], "320100"),
      ]);
    await warnBankRolesBelowProvince(env.node.ctx.conn, logger);
    expect(seen).to.deep.equal([]);
  });

  it("when city and county accounts hold the examiner or reviewer role, then one warning names how many and what to do", async () => {
    const { seen, logger } = warnings();
    await env.node.ctx.conn
      .collection("staff_users")
      .insertMany([
        account("city-examiner", ["examiner"], "320100"),
        account("county-reviewer", ["reviewer", "officer"], "320102"),
      ]);
    await warnBankRolesBelowProvince(env.node.ctx.conn, logger);
    expect(seen).to.have.length(1);
    expect(seen[0]?.fields.accounts).to.equal(2);
    expect(seen[0]?.message)
      .to.match(/2 staff accounts/)
      .and.match(/province/);
  });
});
