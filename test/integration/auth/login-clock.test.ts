import { expect } from "chai";
import { Types } from "mongoose";
import {
  anonymousAgent,
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type AuthedAgent,
  type TestSocket,
} from "../../helpers/auth.js";
import type { TestNode } from "../../helpers/node.js";
import { useSkewedNode } from "../../helpers/skewed-node.js";
import { databaseTime } from "../../../server/lib/mongo.js";

const MINUTE = 60_000;
/** How far the node's clock and its database's are apart: far more than a request takes. */
const SKEW = 20 * MINUTE;

/**
 * Exam delivery decides whether a candidate is sitting on the database's clock, the one every
 * instance of a node shares; the login decided on its instance's own clock. With the two apart,
 * a kiosk's login said "your session is open" while the socket said it had ended, or the other
 * way round, and a lockout lasted a different time on each instance. Each node here reads its
 * database's clock `SKEW` away from its own, through a proxy (the test database runs in this
 * process, so nothing else can set the clocks apart).
 */
function useSkewedLoginNode(offsetMs: number, role: "province" | "hub" = "province") {
  // Logins here come from one address many times a minute: the limit per address is not under test.
  return useSkewedNode(offsetMs, { role, env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
}

interface Sitter {
  sessionId: string;
  credentials: { idNumber: string; ticketNo: string; seatToken: string };
  login: AuthedAgent;
  socket: TestSocket;
}

/** A candidate logged in at their seat (session open by both clocks), socket connected, not checked in. */
async function aLoggedInCandidate(node: TestNode): Promise<Sitter> {
  const { session, candidates } = await scheduleCandidates(node, { count: 1, startsInMinutes: 5 });
  const c = candidates[0];
  if (!c) throw new Error("fixture");
  const credentials = { idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken };
  const login = await loginCandidate(node, credentials);
  const socket = await connectSocket(node, login);
  return { sessionId: session.id, credentials, login, socket };
}

/**
 * Moves the session (an hour long) to end at `endsAt`, and the window its login and socket were
 * given to `until` (default: the end), as the login, or exam delivery's answer past the end
 * (`sittingUntil`), would have given it.
 */
async function endSessionAt(node: TestNode, s: Sitter, endsAt: number, until = endsAt): Promise<void> {
  const { conn } = node.ctx;
  const moved = await conn
    .collection("exam_sessions")
    .updateOne(
      { _id: new Types.ObjectId(s.sessionId) },
      { $set: { startsAt: new Date(endsAt - 60 * MINUTE), endsAt: new Date(endsAt) } },
    );
  expect(moved.modifiedCount, "the session's times").to.equal(1);
  const held = node.io.sockets.sockets.get(s.socket.id ?? "");
  if (!held) throw new Error("socket not on this node");
  held.data.candidateUntil = until;
  const logins = await conn
    .collection("sessions")
    .updateMany(
      { "session.passport.user.user.id": s.login.user.id },
      { $set: { "session.candidateUntil": until } },
    );
  expect(logins.modifiedCount, "the candidate's login session").to.be.greaterThan(0);
}

/** "open", "ended", or whatever other code came back (which no test expects). */
type Answer = string;

/**
 * What the node answers the candidate now, three ways: a kiosk logging in again, the page asking
 * who is logged in, and the socket's next event (answered `attempt_not_found` by exam delivery when
 * the login holds: the candidate waits for the proctor's check-in).
 */
async function answers(node: TestNode, s: Sitter): Promise<{ login: Answer; page: Answer; socket: Answer }> {
  const again = await (
    await anonymousAgent(node)
  ).agent
    .post("/api/auth/candidate-login")
    .send(s.credentials);
  const login =
    again.status === 200
      ? "open"
      : again.body.error?.code === "outside_session_window"
        ? "ended"
        : String(again.body.error?.code);
  const me = await s.login.agent.get("/api/auth/me");
  const page = me.status === 200 ? "open" : me.status === 401 ? "ended" : String(me.status);
  const ack = await s.socket.emitWithAck("attempt:sync", {});
  const code = ack.ok ? "ok" : ack.error.code;
  const socket = code === "attempt_not_found" ? "open" : code === "session_ended" ? "ended" : code;
  return { login, page, socket };
}

/** The stored login sessions of staff member `userId`. */
function staffLogins(node: TestNode, userId: string) {
  return node.ctx.conn
    .collection<{ _id: string; expires?: Date }>("sessions")
    .find({ "session.passport.user.k": "staff", "session.passport.user.id": userId });
}

/** Sets when staff member `userId`'s logins expire, as stored. */
async function expireStaffLoginsAt(node: TestNode, userId: string, at: number): Promise<void> {
  const moved = await node.ctx.conn
    .collection("sessions")
    .updateMany(
      { "session.passport.user.k": "staff", "session.passport.user.id": userId },
      { $set: { expires: new Date(at) } },
    );
  expect(moved.modifiedCount, "the staff member's login").to.equal(1);
}

describe("identity on the database's clock: its clock 20 minutes ahead of this instance's", function () {
  this.timeout(60_000);
  const env = useSkewedLoginNode(SKEW);

  it("when the session has ended by the database's clock but not by this instance's, then the login, the page and the socket all say it has ended", async () => {
    const s = await aLoggedInCandidate(env.node);
    try {
      // Ten minutes ago by the database's clock; in ten minutes by this instance's.
      await endSessionAt(env.node, s, Date.now() + SKEW - 10 * MINUTE);
      expect(await answers(env.node, s)).to.deep.equal({ login: "ended", page: "ended", socket: "ended" });
    } finally {
      s.socket.close();
    }
  });

  it("when the sitting the candidate was last given has passed by the database's clock but not by this instance's, then the page and the socket say it has ended, as the login does", async () => {
    const s = await aLoggedInCandidate(env.node);
    try {
      // The nominal end passed on both clocks; the window held on to ten minutes ago by the
      // database's clock (in ten minutes by this instance's), and no attempt runs any more.
      await endSessionAt(env.node, s, Date.now() - MINUTE, Date.now() + SKEW - 10 * MINUTE);
      expect(await answers(env.node, s)).to.deep.equal({ login: "ended", page: "ended", socket: "ended" });
    } finally {
      s.socket.close();
    }
  });

  it("when check-in has opened by the database's clock but not yet by this instance's, then the candidate logs in and the socket holds", async () => {
    // 25 minutes away by the database's clock (login opens 30 minutes before); 45 by this instance's.
    const { candidates } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 45 });
    const c = candidates[0];
    if (!c) throw new Error("fixture");
    const login = await loginCandidate(env.node, {
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    const socket = await connectSocket(env.node, login);
    try {
      const ack = await socket.emitWithAck("attempt:sync", {});
      expect(ack.ok ? "ok" : ack.error.code).to.equal("attempt_not_found");
    } finally {
      socket.close();
    }
  });

  it("when a staff name is locked, then the lock runs its 15 minutes on the database's clock, as every instance reads it", async () => {
    expect(await minutesLockedByDatabaseClock(env.node, "officer")).to.be.within(14, 15);
  });

  it("when a staff member logs in and asks a page, then the login is kept for its 8 hours of the database's clock", async () => {
    const officer = await staffAgent(env.node, { roles: ["officer"] });
    await officer.agent.get("/api/auth/me").expect(200);
    const [login] = await staffLogins(env.node, officer.user.id).toArray();
    const at = (await databaseTime(env.node.ctx.conn)).getTime();
    expect(((login?.expires?.getTime() ?? 0) - at) / MINUTE).to.be.within(479, 480);
  });

  it("when a staff login has expired by the database's clock but not by this instance's, then the socket and the page both say it has ended", async () => {
    const officer = await staffAgent(env.node, { roles: ["officer"] });
    const socket = await connectSocket(env.node, officer);
    try {
      // Ten minutes ago by the database's clock; in ten minutes by this instance's.
      await expireStaffLoginsAt(env.node, officer.user.id, Date.now() + SKEW - 10 * MINUTE);
      const ack = await socket.emitWithAck("attempt:sync", {});
      expect(ack.ok ? "ok" : ack.error.code, "the socket").to.equal("session_ended");
      const me = await officer.agent.get("/api/auth/me");
      expect(me.status, "the page").to.equal(401);
    } finally {
      socket.close();
    }
  });
});

/**
 * Locks a new staff account with `role` by failing its login six times; how many minutes of the
 * database's time the user list says it stays locked.
 */
async function minutesLockedByDatabaseClock(
  node: TestNode,
  role: "officer" | "hub_operator",
): Promise<number> {
  const admin = await staffAgent(node, { roles: ["admin"] });
  const target = await staffAgent(node, { roles: [role] });
  const { agent } = await anonymousAgent(node);
  const codes = [];
  for (let i = 0; i < 6; i++) {
    const res = await agent
      .post("/api/auth/login")
      .send({ username: target.staff.username, password: "wrong-1" });
    codes.push(res.body.error?.code as string);
  }
  expect(codes.at(-1)).to.equal("account_locked");
  const at = (await databaseTime(node.ctx.conn)).getTime();
  const list = await admin.agent.get("/api/users").expect(200);
  const row = (list.body.users as { id: string; lockedUntil: string | null }[]).find(
    (u) => u.id === target.staff.id,
  );
  // Locked at most a few seconds before `at`, for 15 minutes of the lock's clock.
  return (new Date(row?.lockedUntil ?? 0).getTime() - at) / MINUTE;
}

/**
 * The hub runs no exam delivery, whose database clock identity decided by on a province node: its
 * staff lockouts ran on each instance's own clock, longer or shorter on each by however far it was
 * from the others.
 */
describe("hub identity on the database's clock: its clock 20 minutes ahead of this instance's", function () {
  this.timeout(60_000);
  const env = useSkewedLoginNode(SKEW, "hub");

  it("when a hub staff name is locked, then the lock runs its 15 minutes on the database's clock, as every instance reads it", async () => {
    expect(await minutesLockedByDatabaseClock(env.node, "hub_operator")).to.be.within(14, 15);
  });
});

describe("identity on the database's clock: its clock 20 minutes behind this instance's", function () {
  this.timeout(60_000);
  const env = useSkewedLoginNode(-SKEW);

  it("when the session has ended by this instance's clock but not by the database's, then the login, the page and the socket all say it is open", async () => {
    const s = await aLoggedInCandidate(env.node);
    try {
      // In ten minutes by the database's clock; ten minutes ago by this instance's.
      await endSessionAt(env.node, s, Date.now() - SKEW + 10 * MINUTE);
      expect(await answers(env.node, s)).to.deep.equal({ login: "open", page: "open", socket: "open" });
    } finally {
      s.socket.close();
    }
  });

  it("when a staff login has expired by this instance's clock but not by the database's, then the page and the socket both say it holds", async () => {
    const officer = await staffAgent(env.node, { roles: ["officer"] });
    const socket = await connectSocket(env.node, officer);
    try {
      // In ten minutes by the database's clock; ten minutes ago by this instance's.
      await expireStaffLoginsAt(env.node, officer.user.id, Date.now() - SKEW + 10 * MINUTE);
      const me = await officer.agent.get("/api/auth/me");
      expect(me.status, "the page").to.equal(200);
      const ack = await socket.emitWithAck("attempt:sync", {});
      expect(ack.ok ? "ok" : ack.error.code, "the socket").to.not.equal("session_ended");
    } finally {
      socket.close();
    }
  });

  it("when check-in has opened by this instance's clock but not yet by the database's, then the login is refused", async () => {
    // 15 minutes away by this instance's clock; 35 by the database's.
    const { candidates } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 15 });
    const c = candidates[0];
    if (!c) throw new Error("fixture");
    const { agent } = await anonymousAgent(env.node);
    const res = await agent
      .post("/api/auth/candidate-login")
      .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    expect(res.status).to.equal(403);
    expect(res.body.error?.code).to.equal("outside_session_window");
  });
});
