import { expect } from "chai";
import { createAuthService, createStaffUser, verifyPassword } from "../../../server/auth/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { TEST_PASSWORD } from "../../helpers/auth.js";
import { NODE_TIME_ZONE } from "../../helpers/time-zone.js";

describe("no user enumeration through the password check", () => {
  const db = useTestDatabase("enum");

  it("when the name is unknown, then a full scrypt verification still runs and the error is the same as for a wrong password", async () => {
    const calls: string[] = [];
    const auth = createAuthService(db.conn, {
      provinceCode: "320000",
      candidates: {
        findTicket: () => Promise.resolve(null),
        findLoginSeat: () => Promise.resolve(null),
        testCentreDivision: () => Promise.resolve(null),
        sittingUntil: () => Promise.resolve(null),
      },
      verifyPassword: async (password, stored) => {
        calls.push(stored.split("$")[0] ?? "");
        return verifyPassword(password, stored);
      },
    });
    await createStaffUser(
      db.conn,
      "320000",
      {
        username: "known",
        password: TEST_PASSWORD,
        displayName: "甲",
        roles: ["officer"],
        divisionCode: "320000",
      },
      NODE_TIME_ZONE,
    );
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => ({ code: "accepted", message: "" }),
        (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
      );
    const wrong = await refusal(auth.authenticateStaff("known", "wrong-password"));
    const unknown = await refusal(auth.authenticateStaff("nobody", "wrong-password"));
    expect(calls).to.deep.equal(["scrypt", "scrypt"]);
    expect(wrong.code).to.equal("invalid_credentials");
    expect(unknown).to.deep.equal(wrong);
  });
});
