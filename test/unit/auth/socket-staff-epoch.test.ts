import { expect } from "chai";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { withCredEpoch } from "../../../server/auth/cred-epoch.js";
import { createSocketChecks, type StoredLogin } from "../../../server/auth/socket-checks.js";
import type { AppSocket } from "../../../server/lib/socket-types.js";

const NOW = new Date("2026-05-10T02:00:00Z");

function anOfficer(): AuthUser {
  return {
    kind: "staff",
    id: "u-1",
    roles: ["officer"],
    displayName: "考务员",
    divisionCode: "320000",
    provinceCode: "320000",
  };
}

/** The checks of a staff socket whose login was made at `loginEpoch`, the account now at `liveEpoch`. */
function checksFor(loginEpoch: number | undefined, liveEpoch: number) {
  const record = { k: "staff", id: "u-1", ...(loginEpoch === undefined ? {} : { e: loginEpoch }) };
  const login = {
    expires: new Date(NOW.getTime() + 3_600_000),
    session: { passport: { user: record } },
  } as unknown as Pick<StoredLogin, "expires" | "session">;
  const checks = createSocketChecks({
    auth: {
      now: () => NOW,
      candidateSittingUntil: () => Promise.resolve(null),
      staffById: () => Promise.resolve(withCredEpoch(anOfficer(), liveEpoch)),
    },
    logins: { findOne: (filter) => Promise.resolve(filter._id === "login-1" ? login : null) },
  });
  const socket = {
    connected: true,
    data: { user: anOfficer(), loginSessionId: "login-1" },
  } as unknown as AppSocket;
  return { checks, socket };
}

describe("auth: a staff socket holds only with the password its login was made with", () => {
  it("when the account's password was changed since the socket's login was made, then the socket is refused as ended", async () => {
    const { checks, socket } = checksFor(0, 1);
    expect((await checks.socketRefusal(socket))?.code).to.equal("session_ended");
  });

  it("when the login was made at the account's current epoch, or before epochs were kept on an account never changed, then the socket holds", async () => {
    for (const [login, live] of [
      [2, 2],
      [undefined, 0],
    ] as const) {
      const { checks, socket } = checksFor(login, live);
      expect(await checks.socketRefusal(socket), `login ${login}, live ${live}`).to.equal(null);
    }
  });
});
