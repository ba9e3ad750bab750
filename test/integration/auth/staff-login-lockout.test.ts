import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { createAuthService, createStaffUser, DEFAULT_LOCKOUT } from "../../../server/auth/index.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { TEST_PASSWORD } from "../../helpers/auth.js";
import { useTestDatabase } from "../../helpers/database.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

/** The name-wide limit here: low, so a test spreads it over a few addresses. */
const NAME_WIDE = 12;

/**
 * A staff login's failures lock the name where they come from (the client address, as the per-IP
 * limit counts it): counted by name alone, five wrong passwords from anywhere locked a proctor out
 * on exam day, again every 15 minutes. Guessing spread over many addresses still locks the name
 * everywhere, at a much higher count. Unknown names are counted and answered the same way.
 */
describe("staff login: lockout by name where the failures come from", function () {
  this.timeout(60_000);
  const db = useTestDatabase("lock");

  const authService = () =>
    createAuthService(db.conn, {
      provinceCode: "320000",
      lockout: { ...DEFAULT_LOCKOUT, nameMaxFailures: NAME_WIDE },
      candidates: {
        findTicket: () => Promise.resolve(null),
        findLoginSeat: () => Promise.resolve(null),
        testCentreDivision: () => Promise.resolve(null),
        sittingUntil: () => Promise.resolve(null),
      },
    });

  async function aProctor(): Promise<string> {
    const username = `proctor_${randomBytes(4).toString("hex")}`;
    await createStaffUser(
      db.conn,
      "320000",
      {
        username,
        password: TEST_PASSWORD,
        displayName: "监考甲",
        roles: ["officer"],
        divisionCode: "320000",
      },
      NODE_TIME_ZONE,
    );
    return username;
  }

  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );

  it("when five logins fail for a name from one address, then that address is refused even the right password, and the holder from another address logs in", async () => {
    const auth = authService();
    const username = await aProctor();
    for (let i = 0; i < 5; i++)
      expect(
        await outcome(auth.authenticateStaff(username, "wrong-password", { ip: "198.51.100.9" })),
      ).to.match(/^invalid_credentials/);
    expect(await outcome(auth.authenticateStaff(username, TEST_PASSWORD, { ip: "198.51.100.9" }))).to.match(
      /^account_locked/,
    );
    expect(await outcome(auth.authenticateStaff(username, TEST_PASSWORD, { ip: "203.0.113.20" }))).to.equal(
      "ok",
    );
  });

  it("when a name's failures come from many addresses up to the name-wide limit, then it is locked from every address, and an unknown name alike", async () => {
    const auth = authService();
    const known = await aProctor();
    const unknown = `nobody_${randomBytes(4).toString("hex")}`;
    const answers: string[] = [];
    for (const name of [known, unknown]) {
      for (let i = 0; i < NAME_WIDE; i++)
        await outcome(auth.authenticateStaff(name, "wrong-password", { ip: `192.0.2.${Math.floor(i / 3)}` }));
      answers.push(await outcome(auth.authenticateStaff(name, TEST_PASSWORD, { ip: "203.0.113.21" })));
    }
    expect(answers[0]).to.match(/^account_locked/);
    expect(answers[1]).to.equal(answers[0]);
  });

  it("when the holder logs in between others' failures, then the name-wide count of those failures stands", async () => {
    const auth = authService();
    const username = await aProctor();
    for (let i = 0; i < NAME_WIDE - 1; i++)
      await outcome(auth.authenticateStaff(username, "wrong-password", { ip: `192.0.2.${10 + i}` }));
    expect(await outcome(auth.authenticateStaff(username, TEST_PASSWORD, { ip: "203.0.113.22" }))).to.equal(
      "ok",
    );
    await outcome(auth.authenticateStaff(username, "wrong-password", { ip: "192.0.2.99" }));
    expect(await outcome(auth.authenticateStaff(username, TEST_PASSWORD, { ip: "203.0.113.22" }))).to.match(
      /^account_locked/,
    );
  });

  it("when the current password is given wrong five times from one address on a password change, then logins from that address are locked and from another they are not", async () => {
    const auth = authService();
    const username = await aProctor();
    const user: AuthUser = await auth.authenticateStaff(username, TEST_PASSWORD, { ip: "203.0.113.23" });
    for (let i = 0; i < 5; i++)
      expect(
        await outcome(
          auth.changeOwnPassword(user, "wrong-password", "another-long-password-1", undefined, {
            ip: "198.51.100.30",
          }),
        ),
      ).to.match(/^wrong_password/);
    expect(await outcome(auth.authenticateStaff(username, TEST_PASSWORD, { ip: "198.51.100.30" }))).to.match(
      /^account_locked/,
    );
    expect(await outcome(auth.authenticateStaff(username, TEST_PASSWORD, { ip: "203.0.113.23" }))).to.equal(
      "ok",
    );
  });
});
