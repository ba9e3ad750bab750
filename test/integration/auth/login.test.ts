import { expect } from "chai";
import request from "supertest";
import { staffUserModel } from "../../../server/auth/user.model.js";
import {
  anonymousAgent,
  connectSocket,
  createStaff,
  loginStaff,
  staffAgent,
  TEST_PASSWORD,
} from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { versionOf } from "./grant-helpers.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

describe("staff login, lockout, CSRF and sockets", () => {
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a staff user logs in, then the password is stored as scrypt and the session cookie is HttpOnly and SameSite=Lax", async () => {
    const { username } = await createStaff(node, { roles: ["officer"] });
    const stored = await staffUserModel(node.ctx.conn).findOne({ username }).lean();
    expect(stored?.passwordHash).to.match(/^scrypt\$32768\$8\$1\$/);
    expect(stored?.passwordHash).to.not.contain(TEST_PASSWORD);
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/login").send({ username, password: TEST_PASSWORD }).expect(200);
    const cookie = ([] as string[])
      .concat(res.headers["set-cookie"] ?? [])
      .find((c) => c.startsWith("roadcert.sid="));
    expect(cookie)
      .to.match(/HttpOnly/i)
      .and.match(/SameSite=Lax/i);
    expect(cookie).to.not.match(/Secure/i);
    expect(res.body.user).to.include({ kind: "staff", divisionCode: "320000" });
    expect((await agent.get("/api/auth/me").expect(200)).body.user.id).to.equal(res.body.user.id);
  });

  it("when the name is unknown or the password wrong, then the answer is the same", async () => {
    const { username } = await createStaff(node, { roles: ["officer"] });
    const { agent } = await anonymousAgent(node);
    const wrong = await agent.post("/api/auth/login").send({ username, password: "not-the-password" });
    const unknown = await agent
      .post("/api/auth/login")
      .send({ username: `${username}_nobody`, password: "not-the-password" });
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    expect(wrong.body).to.deep.equal(unknown.body);
    expect(wrong.body.error.code).to.equal("invalid_credentials");
  });

  it("when five logins fail, then the name is locked even for the right password, and an unknown name locks the same way", async () => {
    const { username } = await createStaff(node, { roles: ["officer"] });
    const { agent } = await anonymousAgent(node);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await agent.post("/api/auth/login").send({ username, password: "wrong-password" })).status,
      );
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401]);
    const locked = await agent.post("/api/auth/login").send({ username, password: TEST_PASSWORD });
    expect(locked.status).to.equal(423);
    expect(locked.body.error.code).to.equal("account_locked");

    const ghost = `ghost_${Date.now()}`;
    for (let i = 0; i < 5; i++)
      await agent.post("/api/auth/login").send({ username: ghost, password: "wrong-password" });
    const ghostLocked = await agent
      .post("/api/auth/login")
      .send({ username: ghost, password: "wrong-password" });
    expect(ghostLocked.status).to.equal(423);
    expect(ghostLocked.body.error.code).to.equal(locked.body.error.code);

    const audit = await node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "auth.login_failed", "details.loginName": username });
    expect(audit).to.equal(6);
  });

  it("when logins fail for a name nobody has, then its throttle row carries an end past its window and its lock, which a TTL index enforces", async () => {
    const { agent } = await anonymousAgent(node);
    const Throttle = node.ctx.conn.collection("login_throttle");
    const ghost = `spray_${Date.now()}`;
    // The name's failures from this address (the lock five of them take is this address's).
    const row = async () => Throttle.findOne({ key: { $regex: `^staff:${ghost}@` } });
    const started = Date.now();
    await agent.post("/api/auth/login").send({ username: ghost, password: "wrong-password" }).expect(401);
    const window = 15 * 60_000;
    const lock = 15 * 60_000;
    const first = await row();
    expect(first?.expireAt).to.be.an.instanceOf(Date);
    expect(first?.expireAt.getTime()).to.be.at.least(started + window + lock);
    for (let i = 0; i < 5; i++)
      await agent.post("/api/auth/login").send({ username: ghost, password: "x-wrong" });
    const locked = await row();
    expect(locked?.lockedUntil.getTime()).to.be.at.most(locked?.expireAt.getTime());
    const ttl = (await Throttle.indexes()).find((i) => i.key.expireAt === 1);
    expect(ttl?.expireAfterSeconds).to.equal(0);
  });

  it("when a user is locked, then the user list shows the lock until an admin unlocks them, after which they can log in again", async () => {
    const { username, user } = await createStaff(node, { roles: ["officer"], divisionCode: "320100" });
    const anon = await anonymousAgent(node);
    for (let i = 0; i < 5; i++)
      await anon.agent.post("/api/auth/login").send({ username, password: "wrong-password" });
    const admin = await staffAgent(node, { roles: ["admin"] });
    const lockOf = async () =>
      (
        (await admin.agent.get("/api/users").expect(200)).body.users as {
          id: string;
          lockedUntil: string | null;
        }[]
      ).find((u) => u.id === user.id)?.lockedUntil;
    expect(Date.parse((await lockOf()) ?? "")).to.be.greaterThan(Date.now());
    await admin.agent.patch(`/api/users/${user.id}`).send({ unlock: true }).expect(200);
    expect(await lockOf()).to.equal(null);
    await loginStaff(node, username, TEST_PASSWORD);
  });

  it("when a write carries the session cookie but no CSRF token, then it is refused with csrf_failed", async () => {
    const admin = await staffAgent(node, { roles: ["admin"] });
    const res = await admin.agent
      .post("/api/authorities")
      .set("x-csrf-token", "")
      .send({ name: "无令牌", divisionCode: "320100" });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("csrf_failed");
    expect(await node.ctx.conn.collection("authorities").countDocuments({ name: "无令牌" })).to.equal(0);
    const bare = await request(node.url).post("/api/auth/login").send({ username: "x", password: "y" });
    expect(bare.body.error.code).to.equal("csrf_failed");
  });

  it("when a deactivated user's session is used, then it no longer authenticates", async () => {
    const officer = await staffAgent(node, { roles: ["officer"] });
    const admin = await staffAgent(node, { roles: ["admin"] });
    await admin.agent
      .patch(`/api/users/${officer.staff.id}`)
      .send({ active: false, expectedVersion: await versionOf(node, officer.staff.id) })
      .expect(200);
    await officer.agent.get("/api/auth/me").expect(401);
  });

  it("when logging out, then the session ends", async () => {
    const officer = await staffAgent(node, { roles: ["officer"] });
    await officer.agent.post("/api/auth/logout").expect(204);
    await officer.agent.get("/api/auth/me").expect(401);
  });

  it("when a socket connects without a session, then the handshake is refused; with one, socket.data.user is the AuthUser", async () => {
    let refused: Error | null = null;
    await connectSocket(node, null).catch((err: Error) => (refused = err));
    expect(refused).to.not.equal(null);
    const officer = await staffAgent(node, { roles: ["officer"] });
    const socket = await connectSocket(node, officer);
    try {
      const sockets = await node.io.fetchSockets();
      const mine = sockets.find((s) => s.id === socket.id);
      expect(mine?.data.user).to.deep.include({ id: officer.user.id, kind: "staff" });
    } finally {
      socket.close();
    }
  });

  it("when bodies are malformed, then login answers 400 with a stable code", async () => {
    const { agent } = await anonymousAgent(node);
    const unknownField = await agent
      .post("/api/auth/login")
      .send({ username: "a", password: "b", admin: true });
    expect(unknownField.status).to.equal(400);
    expect(unknownField.body.error.code).to.equal("validation_failed");
    const wrongType = await agent.post("/api/auth/login").send({ username: 42, password: ["b"] });
    expect(wrongType.body.error.code).to.equal("validation_failed");
    const oversized = await agent.post("/api/auth/login").send({ username: "a".repeat(5000), password: "b" });
    expect(oversized.body.error.code).to.equal("validation_failed");
    const badJson = await agent
      .post("/api/auth/login")
      .set("content-type", "application/json")
      .send("{not json");
    expect(badJson.status).to.equal(400);
    expect(badJson.body.error.code).to.equal("invalid_json");
  });
});

describe("cookies behind a TLS-terminating proxy", () => {
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { TRUST_PROXY: "true" } });
  });
  after(async () => {
    await node.stop();
  });

  /**
   * A visitor's CSRF nonce cookie (GET /api/auth/csrf), then the session cookie of a login made
   * with it, both over https as the proxy says. The jar would not send a Secure cookie over the
   * test's plain http: the nonce is passed on by hand.
   */
  async function cookiesOverHttps(target: Node): Promise<{ nonce?: string; session?: string }> {
    const staff = await createStaff(target, { roles: ["officer"] });
    const csrf = await request(target.url)
      .get("/api/auth/csrf")
      .set("x-forwarded-proto", "https")
      .expect(200);
    // A __Host- cookie where it can be Secure, the plain name where it cannot.
    const nonce = ([] as string[])
      .concat(csrf.headers["set-cookie"] ?? [])
      .find((c) => /^(__Host-)?roadcert\.csrf=/.test(c));
    const login = await request(target.url)
      .post("/api/auth/login")
      .set("x-forwarded-proto", "https")
      .set("cookie", nonce?.split(";")[0] ?? "")
      .set("x-csrf-token", (csrf.body as { csrfToken: string }).csrfToken)
      .send({ username: staff.username, password: staff.password })
      .expect(200);
    const session = ([] as string[])
      .concat(login.headers["set-cookie"] ?? [])
      .find((c) => /^(__Host-)?roadcert\.sid=/.test(c));
    return { nonce, session };
  }

  it("when TRUST_PROXY is set and the proxy says https, then the CSRF and session cookies are Secure", async () => {
    const { nonce, session } = await cookiesOverHttps(node);
    for (const cookie of [nonce, session])
      expect(cookie)
        .to.match(/;\s*Secure/i)
        .and.match(/HttpOnly/i);
  });

  it("when the CSRF nonce cookie is Secure, then it is a __Host- cookie (Path=/, no Domain), so no sibling host or plain-http answer can plant it", async () => {
    const { nonce } = await cookiesOverHttps(node);
    expect(nonce).to.match(/^__Host-roadcert\.csrf=/);
    expect(nonce).to.match(/;\s*Path=\/(;|$)/i);
    expect(nonce).to.not.match(/;\s*Domain=/i);
  });

  it("when the session cookie is Secure, then it is a __Host- cookie (Path=/, no Domain), like the CSRF nonce's", async () => {
    const { session } = await cookiesOverHttps(node);
    expect(session).to.match(/^__Host-roadcert\.sid=/);
    expect(session).to.match(/;\s*Path=\/(;|$)/i);
    expect(session).to.not.match(/;\s*Domain=/i);
  });

  it("when COOKIE_SECURE=false opts out behind the proxy, then the CSRF and session cookies are not Secure even over https", async () => {
    const optedOut = await startTestNode({ env: { TRUST_PROXY: "true", COOKIE_SECURE: "false" } });
    try {
      const { nonce, session } = await cookiesOverHttps(optedOut);
      expect(nonce, "a __Host- cookie must be Secure: the plain name").to.match(/^roadcert\.csrf=/);
      expect(session, "a __Host- cookie must be Secure: the plain name").to.match(/^roadcert\.sid=/);
      for (const cookie of [nonce, session])
        expect(cookie)
          .to.be.a("string")
          .and.not.match(/;\s*Secure/i);
    } finally {
      await optedOut.stop();
    }
  });
});
