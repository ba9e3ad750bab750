import { expect } from "chai";
import { AUTH_ERROR_CODES } from "../../../server/contracts/staff-accounts.js";
import { answeredCodes, sourcesUnder } from "../../helpers/error-codes.js";

/**
 * `AUTH_ERROR_CODES` is what the client (the login page, the users page) may rely on from logins,
 * sessions, staff accounts and their grants. The codes are read from the source the feature runs,
 * as exam delivery's are (test/unit/exams/error-codes.test.ts): a refusal added without listing it
 * fails here, and so does a listed code nothing answers any more.
 */

/**
 * `code:` literals of server/auth that no client is answered with: a boot warning's log code, for
 * the operator's alerting. Each must still occur (a stale exception fails too).
 */
const LOG_CODES = ["bank_roles_below_province"];

describe("identity: its stable error codes", () => {
  const all = sourcesUnder("server/auth/").flatMap(answeredCodes);
  const answered = new Set(all.filter((c) => !LOG_CODES.includes(c)));

  it("when logins, sessions or staff administration refuse with a code, then AUTH_ERROR_CODES lists that code", () => {
    expect(answered.size).to.be.above(20);
    const listed = new Set<string>(AUTH_ERROR_CODES);
    expect([...answered].filter((c) => !listed.has(c)).sort()).to.deep.equal([]);
  });

  it("when a code is listed, then server/auth answers it and it is listed once", () => {
    expect(AUTH_ERROR_CODES.filter((c) => !answered.has(c))).to.deep.equal([]);
    expect(new Set(AUTH_ERROR_CODES).size).to.equal(AUTH_ERROR_CODES.length);
    expect(LOG_CODES.filter((c) => !all.includes(c))).to.deep.equal([]);
  });
});
