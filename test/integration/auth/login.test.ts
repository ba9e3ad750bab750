import { expect } from "chai";
import request from "supertest";
import { staffUserModel } from "../../../server/auth/user.model.js";
import {
  anonymousAgent,
  connectSocket,
  createStaff,
  loginCandidate,
  loginStaff,
  scheduleCandidates,
  staffAgent,
  TEST_PASSWORD,
} from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { fullWidth } from "../../helpers/typed-text.js";

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
    const row = async () => Throttle.findOne({ key: `staff:${ghost}` });
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
    await admin.agent.patch(`/api/users/${officer.staff.id}`).send({ active: false }).expect(200);
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

describe("candidate login", () => {
  let node: Node;
  before(async () => {
    node = await startTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  });
  after(async () => {
    await node.stop();
  });

  it("when a candidate logs in from a seat of the session's room inside the window, then they act as that candidate", async () => {
    const fx = await scheduleCandidates(node, { count: 2 });
    const c = fx.candidates[1]!;
    const agent = await loginCandidate(node, {
      idNumber: c.idNumber.toLowerCase(),
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    expect(agent.user).to.deep.include({ kind: "candidate", roles: ["candidate"], id: c.id });
    expect(agent.user.candidate).to.deep.equal({
      candidateId: c.id,
      sessionId: fx.session.id,
      ticketNo: c.assignment.ticketNo,
      seatId: c.assignment.seatId,
    });
    const ticket = await agent.agent.get("/api/me/admission-ticket").expect(200);
    expect(ticket.body.ticket).to.include({ ticketNo: c.assignment.ticketNo, seatNo: c.assignment.seatNo });
  });

  it("when a candidate types the ID and ticket numbers in full width (an input method's full-width mode), then they are logged in as themselves", async () => {
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    // Before, the right numbers typed this way were refused as 身份证号或准考证号错误.
    const agent = await loginCandidate(node, {
      idNumber: fullWidth(c.idNumber.toLowerCase()),
      ticketNo: `${fullWidth(c.assignment.ticketNo)}\u3000`,
      seatToken: c.seatToken,
    });
    expect(agent.user).to.deep.include({ kind: "candidate", id: c.id });
  });

  it("when the session starts more than 30 minutes from now, then login is refused as outside the window", async () => {
    const fx = await scheduleCandidates(node, { count: 1, startsInMinutes: 45 });
    const c = fx.candidates[0]!;
    const { agent } = await anonymousAgent(node);
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("outside_session_window");
  });

  it("when the session has ended, then login is refused as outside the window", async () => {
    const fx = await scheduleCandidates(node, { count: 1, startsInMinutes: 1, durationMinutes: 10 });
    const c = fx.candidates[0]!;
    await node.ctx.conn.collection("exam_sessions").updateOne(
      { _id: new (await import("mongoose")).Types.ObjectId(fx.session.id) },
      {
        $set: {
          startsAt: new Date(Date.now() - 3 * 3600_000),
          endsAt: new Date(Date.now() - 2 * 3600_000),
        },
      },
    );
    const { agent } = await anonymousAgent(node);
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    expect(res.body.error?.code).to.equal("outside_session_window");
  });

  it("when the candidate uses a seat token of another room or none, then login is refused as a wrong ticket is", async () => {
    const mine = await scheduleCandidates(node, { count: 1 });
    const elsewhere = await scheduleCandidates(node, { count: 1 });
    const c = mine.candidates[0]!;
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/candidate-login").send({
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: elsewhere.candidates[0]!.seatToken,
    });
    // From outside the ticket's room the answer is the one a made-up ticket gets (no ticket oracle).
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal("invalid_credentials");
    const noSeat = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo });
    expect(noSeat.body.error.code).to.equal("invalid_credentials");
  });

  it("when the candidate logs in from another seat of the same room, then login is refused and no session is issued", async () => {
    const fx = await scheduleCandidates(node, { count: 2 });
    const [a, b] = fx.candidates;
    const { agent } = await anonymousAgent(node);
    const res = await agent.post("/api/auth/candidate-login").send({
      idNumber: a!.idNumber,
      ticketNo: a!.assignment.ticketNo,
      seatToken: b!.seatToken,
    });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal("not_assigned_seat");
    expect(res.body.error.message).to.include(`${a!.assignment.seatNo} 号座位`);
    await agent.get("/api/auth/me").expect(401);
    // From their own seat the same candidate is admitted.
    const own = await loginCandidate(node, {
      idNumber: a!.idNumber,
      ticketNo: a!.assignment.ticketNo,
      seatToken: a!.seatToken,
    });
    expect(own.user.candidate?.seatId).to.equal(a!.assignment.seatId);
  });

  it("when the seat has the client's IP registered, then login without a token succeeds", async () => {
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    const admin = await staffAgent(node, { roles: ["admin"] });
    await admin.agent
      .patch(`/api/test-centres/${fx.room.testCentreId}/rooms/${fx.room.roomId}/seats/${c.assignment.seatId}`)
      .send({ ip: "127.0.0.1" })
      .expect(200);
    const agent = await loginCandidate(node, { idNumber: c.idNumber, ticketNo: c.assignment.ticketNo });
    expect(agent.user.candidate?.seatId).to.equal(c.assignment.seatId);
  });

  it("when the ticket number does not match the ID number at the ticket's seat, then the answer is invalid_credentials", async () => {
    const fx = await scheduleCandidates(node, { count: 2 });
    const [a, b] = fx.candidates;
    const { agent } = await anonymousAgent(node);
    // At another seat the answer names the ticket's seat before any number is compared
    // (candidate-lockout.test.ts); at the ticket's own seat the numbers are compared.
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: a!.idNumber, ticketNo: b!.assignment.ticketNo, seatToken: b!.seatToken });
    expect(res.status).to.equal(401);
    expect(res.body.error.code).to.equal("invalid_credentials");
  });

  it("when the session's end passes, then the candidate's login session no longer authenticates", async () => {
    const fx = await scheduleCandidates(node, { count: 1 });
    const c = fx.candidates[0]!;
    const agent = await loginCandidate(node, {
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    await agent.agent.get("/api/auth/me").expect(200);
    // The stored session carries the exam session's end; move it into the past.
    const moved = await node.ctx.conn
      .collection("sessions")
      .updateMany(
        { "session.passport.user.user.id": c.id },
        { $set: { "session.candidateUntil": Date.now() - 1000 } },
      );
    expect(moved.modifiedCount).to.be.greaterThan(0);
    await agent.agent.get("/api/auth/me").expect(401);
  });
});
