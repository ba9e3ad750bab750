import { expect } from "chai";
import { Types } from "mongoose";
import {
  connectSocket,
  createStaff,
  loginStaff,
  newUserBody,
  scheduleCandidates,
  staffAgent,
  TEST_PASSWORD,
  type AuthedAgent,
} from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { approveGrant, versionOf } from "./grant-helpers.js";

const SET_BY_ADMIN = "Reset-Passw0rd-2026";
const CHOSEN = "Own-Choice-Passw0rd-2026";

/**
 * Passwords an admin sets (a new account's first one, a reset) are known to the admin: the account
 * must change it before doing anything else. A change must change something, and the passwords
 * every guesser tries first are refused wherever a password is set.
 */
describe("staff passwords: change after an admin sets one, no repeats, no common ones", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  let admin: AuthedAgent;
  before(async () => {
    admin = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
  });
  const stored = (id: string) =>
    env.node.ctx.conn.collection("staff_users").findOne({ _id: new Types.ObjectId(id) });

  async function mustChangeThenChanges(username: string, password: string): Promise<void> {
    const officer = await loginStaff(env.node, username, password);
    expect(officer.user.mustChangePassword).to.equal(true);
    // Only the account itself and the password change are open to it.
    expect((await officer.agent.get("/api/auth/me").expect(200)).body.user.mustChangePassword).to.equal(true);
    const refused = await officer.agent.get("/api/exam-sessions");
    expect([refused.status, refused.body.error?.code]).to.deep.equal([403, "password_change_required"]);
    expect(refused.body.error.message).to.match(/修改密码/);
    await officer.agent
      .post("/api/auth/password")
      .send({ currentPassword: password, newPassword: CHOSEN })
      .expect(204);
    await officer.agent.get("/api/exam-sessions").expect(200);
    expect((await officer.agent.get("/api/auth/me").expect(200)).body.user).to.not.have.property(
      "mustChangePassword",
    );
  }

  it("when an admin resets a staff member's password, then the next login may only change it, and once changed everything is open again", async () => {
    const { user, username } = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    expect((await loginStaff(env.node, username, TEST_PASSWORD)).user).to.not.have.property(
      "mustChangePassword",
    );
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ password: SET_BY_ADMIN, expectedVersion: await versionOf(env.node, user.id) })
      .expect(200);
    // An officer's reset waits for a second admin (grant-approval.test.ts).
    await approveGrant(env.node, user.id);
    expect((await stored(user.id))?.mustChangePassword).to.equal(true);
    await mustChangeThenChanges(username, SET_BY_ADMIN);
    expect((await stored(user.id))?.mustChangePassword).to.equal(false);
  });

  it("when an admin creates an account, then its first login must change the password; accounts set up by the seed are not asked", async () => {
    const body = newUserBody({ roles: ["officer"], divisionCode: "320100" });
    const created = (await admin.agent.post("/api/users").send(body).expect(201)).body as {
      user: { id: string };
    };
    await approveGrant(env.node, created.user.id);
    await mustChangeThenChanges(body.username, body.password);
    const seeded = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const officer = await loginStaff(env.node, seeded.username, seeded.password);
    await officer.agent.get("/api/exam-sessions").expect(200);
  });

  it("when an account that must change its password opens a socket, then its events are refused the same way", async () => {
    const { user, username } = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ password: SET_BY_ADMIN, expectedVersion: await versionOf(env.node, user.id) })
      .expect(200);
    await approveGrant(env.node, user.id);
    const officer = await loginStaff(env.node, username, SET_BY_ADMIN);
    const fx = await scheduleCandidates(env.node, { count: 1 });
    const socket = await connectSocket(env.node, officer);
    try {
      // A session of the officer's own city, which they may otherwise watch.
      const ack = await socket.emitWithAck("proctor:watch", { sessionId: fx.session.id });
      expect(ack.ok ? "ok" : ack.error.code).to.equal("password_change_required");
    } finally {
      socket.close();
    }
  });

  it("when a staff member's new password is the current one, then it is refused with password_unchanged and the login is kept", async () => {
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320100" });
    const res = await officer.agent
      .post("/api/auth/password")
      .send({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD });
    expect([res.status, res.body.error?.code]).to.deep.equal([400, "password_unchanged"]);
    expect(res.body.error.message).to.match(/[\u4e00-\u9fff]/);
    await officer.agent.get("/api/auth/me").expect(200);
  });

  it("when a password is one of the most common ones, then creating, resetting and changing to it are refused with password_too_common and nothing is written", async () => {
    const common = ["1q2w3e4r5t", "woaini1314", "QWERTYUIOP", "a1234567890", "123456789a"];
    const body = newUserBody({ roles: ["officer"], divisionCode: "320100", password: common[0]! });
    const created = await admin.agent.post("/api/users").send(body);
    expect([created.status, created.body.error?.code]).to.deep.equal([400, "password_too_common"]);
    expect(
      await env.node.ctx.conn.collection("staff_users").countDocuments({ username: body.username }),
    ).to.equal(0);
    const { user, username } = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const before = (await stored(user.id))?.passwordHash as string;
    const reset = await admin.agent
      .patch(`/api/users/${user.id}`)
      .send({ password: common[1], expectedVersion: await versionOf(env.node, user.id) });
    expect([reset.status, reset.body.error?.code]).to.deep.equal([400, "password_too_common"]);
    const officer = await loginStaff(env.node, username, TEST_PASSWORD);
    for (const newPassword of common.slice(2)) {
      const res = await officer.agent
        .post("/api/auth/password")
        .send({ currentPassword: TEST_PASSWORD, newPassword });
      expect([res.status, res.body.error?.code], newPassword).to.deep.equal([400, "password_too_common"]);
    }
    expect((await stored(user.id))?.passwordHash).to.equal(before);
  });
});
