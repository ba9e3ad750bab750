import { expect } from "chai";
import request from "supertest";
import { SESSION_COOKIE } from "../../../server/auth/session.js";
import { connectSocket, createStaff, loginStaff } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** The `name=value` of the session cookie a response sets, or null when it sets none. */
function sessionCookieOf(res: { headers: Record<string, unknown> }): string | null {
  const set = (res.headers["set-cookie"] as string[] | undefined) ?? [];
  return set.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(";")[0] ?? null;
}

/**
 * A password change renews the login session's id, as a login does: an id read before the change
 * (a shared computer, a proxy's log) must not open the account with the new password in force.
 * The page itself stays logged in and keeps its CSRF token.
 */
describe("staff accounts: a password change renews the login session", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });

  it("when a staff member changes their password, then the page goes on under a new session id with its CSRF token, and the old id opens nothing", async () => {
    const { username, password } = await createStaff(env.node, { roles: ["officer"] });
    const here = await loginStaff(env.node, username, password);
    const socket = await connectSocket(env.node, here);
    try {
      const closed = new Promise<string>((resolve) => socket.once("disconnect", resolve));
      const changed = await here.agent
        .post("/api/auth/password")
        .send({ currentPassword: password, newPassword: "Another-Passw0rd-2026" })
        .expect(204);
      const renewed = sessionCookieOf(changed);
      expect(renewed, "a new session cookie").to.not.equal(null);
      expect(renewed).to.not.equal(here.cookie);

      await request(env.node.url).get("/api/auth/me").set("Cookie", here.cookie).expect(401);
      const me = await here.agent.get("/api/auth/me").expect(200);
      expect((me.body as { user: { username?: string; id: string } }).user.id).to.equal(here.user.id);
      // The page's token still passes the CSRF check: the write is refused for its password, not its token.
      const wrong = await here.agent
        .post("/api/auth/password")
        .send({ currentPassword: "not-the-password", newPassword: "Third-Passw0rd-2026" })
        .expect(400);
      expect((wrong.body as { error: { code: string } }).error.code).to.equal("wrong_password");
      // The socket the page opened under the old id ends with it.
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });
});
