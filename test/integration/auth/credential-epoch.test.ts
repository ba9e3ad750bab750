import { expect } from "chai";
import { Types } from "mongoose";
import request from "supertest";
import { verifyPassword } from "../../../server/auth/password.js";
import { connectSocket, createStaff, loginStaff, staffAgent } from "../../helpers/auth.js";
import { testDatabase } from "../../helpers/database.js";
import { startHoldingProxy, type Command } from "../../helpers/holding-proxy.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";
import { approveGrant, versionOf } from "./grant-helpers.js";

const NEW_PASSWORD = "Another-Passw0rd-2026";
const RESET_PASSWORD = "Reset-Passw0rd-2026";

/** The first statement of an update or delete command, as the proxy sees it. */
const firstOf = (c: Command, field: "updates" | "deletes") =>
  ((c[field] as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};

/**
 * A login is tied to the password that opened it: a login whose check read the account before a
 * password change, and whose session is written after the change ended the account's logins, must
 * not open the account. Nor may an owner's change overwrite an admin's reset that landed between
 * the owner's check and write. The interleavings are made deterministic by holding one database
 * command on its way (helpers/holding-proxy.ts).
 */
describe("staff logins: a login holds only with the password it was checked against", function () {
  this.timeout(60_000);
  let node: TestNode;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  before(async () => {
    const db = await testDatabase();
    proxy = await startHoldingProxy(db.uri);
    node = await startTestNode({ mongoUri: proxy.uri, env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  after(async () => {
    await node.stop();
    await proxy.stop();
  });

  it("when a login checked against the old password writes its session after the owner's password change, then that session opens nothing, over HTTP or socket", async () => {
    const { username, password } = await createStaff(node, { roles: ["officer"] });
    const owner = await loginStaff(node, username, password);
    // The racing login's session write (a new session, upserted) is held on its way.
    const held = proxy.hold((c) => c.update === "sessions" && firstOf(c, "updates").upsert === true);
    const csrf = await request(node.url).get("/api/auth/csrf").expect(200);
    const nonce = ([] as string[]).concat(csrf.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]);
    const racing = request(node.url)
      .post("/api/auth/login")
      .set("cookie", nonce.join("; "))
      .set("x-csrf-token", (csrf.body as { csrfToken: string }).csrfToken)
      .send({ username, password })
      .then((res) => res);
    await held.reached;
    // The login's password check is done; the owner changes the password meanwhile.
    await owner.agent
      .post("/api/auth/password")
      .send({ currentPassword: password, newPassword: NEW_PASSWORD })
      .expect(204);
    held.release();
    const res = await racing;
    expect(res.status).to.equal(200);
    const cookie = ([] as string[])
      .concat(res.headers["set-cookie"] ?? [])
      .find((c) => /^(__Host-)?roadcert\.sid=/.test(c))
      ?.split(";")[0];
    expect(cookie, "the racing login set a session cookie").to.be.a("string");
    await request(node.url).get("/api/auth/me").set("cookie", cookie!).expect(401);
    const refused = await connectSocket(node, { cookie: cookie! }).then(
      (socket) => {
        socket.close();
        return "connected";
      },
      () => "refused",
    );
    expect(refused).to.equal("refused");
    // The owner's own page goes on, and the new password logs in.
    await owner.agent.get("/api/auth/me").expect(200);
    await loginStaff(node, username, NEW_PASSWORD);
  });

  it("when an admin resets the password between the owner's check of the current password and the owner's write, then the owner's change is refused, the reset stands and no login of the owner survives", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const { user, username, password } = await createStaff(node, { roles: ["officer"] });
    const owner = await loginStaff(node, username, password);
    // The owner's current password has been checked (its lockout is cleared next): held there.
    const held = proxy.hold(
      (c) =>
        c.delete === "login_throttle" &&
        // The count of the owner's address is cleared (its key, with its per-source keys).
        String((firstOf(c, "deletes").q as { key?: { $in?: unknown[] } })?.key?.$in?.[0]).startsWith(
          `staff:${username}@`,
        ),
    );
    const change = owner.agent
      .post("/api/auth/password")
      .send({ currentPassword: password, newPassword: NEW_PASSWORD })
      .then((res) => res);
    await held.reached;
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ password: RESET_PASSWORD, expectedVersion: await versionOf(node, user.id) })
      .expect(200);
    // An officer's reset waits for a second admin (grant-approval.test.ts).
    await approveGrant(node, user.id);
    held.release();
    const res = await change;
    expect([res.status, res.body.error?.code]).to.deep.equal([409, "password_changed_meanwhile"]);
    const stored = await node.ctx.conn
      .collection("staff_users")
      .findOne({ _id: new Types.ObjectId(user.id) });
    expect(await verifyPassword(RESET_PASSWORD, String(stored?.passwordHash))).to.equal(true);
    expect(stored?.mustChangePassword).to.equal(true);
    await owner.agent.get("/api/auth/me").expect(401);
    const left = await node.ctx.conn
      .collection("sessions")
      .countDocuments({ "session.passport.user.id": user.id });
    expect(left).to.equal(0);
    const relogin = await loginStaff(node, username, RESET_PASSWORD);
    expect(relogin.user.mustChangePassword).to.equal(true);
  });
});
