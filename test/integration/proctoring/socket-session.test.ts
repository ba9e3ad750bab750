import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect } from "chai";
import { io as ioClient } from "socket.io-client";
import type { Ack } from "../../../server/contracts/errors.js";
import type { IncidentDto } from "../../../server/contracts/exams.js";
import {
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type AuthedAgent,
  type TestSocket,
} from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/** A full collection, without starting mocha with --expose-gc. */
function fullGc(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Resolves when the server closes the socket (its reason), so a test never guesses a delay. */
const closedByServer = (socket: TestSocket) =>
  new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));

const incidents = (node: Node, sessionId: string) =>
  node.ctx.conn.collection("exam_incidents").countDocuments({ sessionId });

/**
 * Issue 10 (7): an open socket must not outlive the login or the account it was opened under.
 * Logout, deactivation and a role change close the user's sockets; a socket the close missed is
 * refused on its next event because every staff event checks the live account.
 */
describe("proctoring: sockets end with the login and the account", function () {
  this.timeout(60_000);
  let node: Node;
  let admin: AuthedAgent;
  /** The second admin a privileged role change waits for. */
  let secondAdmin: AuthedAgent;
  before(async () => {
    node = await startTestNode();
    admin = await staffAgent(node, { roles: ["admin"] });
    secondAdmin = await staffAgent(node, { roles: ["admin"] });
  });
  after(async () => {
    await node.stop();
  });

  async function aProctorWatching() {
    const fixture = await scheduleCandidates(node, { count: 1 });
    const proctor = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.session.divisionCode,
    });
    const socket = await connectSocket(node, proctor);
    const watch = await socket
      .timeout(10_000)
      .emitWithAck("proctor:watch", { sessionId: fixture.session.id });
    expect(watch.ok).to.equal(true);
    return { fixture, proctor, socket, sessionId: fixture.session.id };
  }

  it("when the proctor logs out, then their open socket is closed by the server", async () => {
    const { proctor, socket } = await aProctorWatching();
    try {
      const closed = closedByServer(socket);
      await proctor.agent.post("/api/auth/logout").expect(204);
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });

  it("when an admin deactivates the proctor, then the proctor's open socket is closed by the server", async () => {
    const { proctor, socket } = await aProctorWatching();
    try {
      const closed = closedByServer(socket);
      await admin.agent
        .patch(`/api/users/${proctor.user.id}`)
        .send({ active: false, expectedVersion: proctor.staff.version })
        .expect(200);
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });

  it("when the proctor's roles are changed (an officer role, approved by a second admin), then the proctor's open socket is closed by the server", async () => {
    const { proctor, socket } = await aProctorWatching();
    try {
      const closed = closedByServer(socket);
      // The replacement waits whole for the second admin (the proctor keeps working meanwhile).
      const asked = await admin.agent
        .patch(`/api/users/${proctor.user.id}`)
        .send({ roles: ["officer"], testCentreId: null, expectedVersion: proctor.staff.version })
        .expect(200);
      await secondAdmin.agent
        .patch(`/api/users/${proctor.user.id}`)
        .send({ grant: "approve", expectedVersion: asked.body.user.version })
        .expect(200);
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });

  it("when the account is deactivated where no socket is told (another tool, the database), then the socket's next event is refused, nothing is written and the socket is closed", async () => {
    const { proctor, socket, sessionId } = await aProctorWatching();
    try {
      await node.ctx.conn
        .collection("staff_users")
        .updateOne({ username: proctor.staff.username }, { $set: { active: false } });
      const closed = closedByServer(socket);
      const ack = (await socket.timeout(10_000).emitWithAck("proctor:incident", {
        sessionId,
        kind: "environment",
        note: "停用后仍在操作",
      })) as Ack<IncidentDto>;
      expect(ack.ok).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal("session_ended");
      expect(await closed).to.equal("io server disconnect");
      expect(await incidents(node, sessionId)).to.equal(0);
    } finally {
      socket.close();
    }
  });

  it("when the login session is gone from the store (expired or ended elsewhere), then the socket's next event is refused", async () => {
    const { proctor, socket, sessionId } = await aProctorWatching();
    try {
      const sid =
        decodeURIComponent(proctor.cookie.split("=")[1] ?? "")
          .replace(/^s:/, "")
          .split(".")[0] ?? "";
      const removed = await node.ctx.conn.collection<{ _id: string }>("sessions").deleteOne({ _id: sid });
      expect(removed.deletedCount).to.equal(1);
      const ack = (await socket.timeout(10_000).emitWithAck("proctor:incident", {
        sessionId,
        kind: "environment",
        note: "会话已失效",
      })) as Ack<IncidentDto>;
      expect(ack.ok).to.equal(false);
      expect(await incidents(node, sessionId)).to.equal(0);
    } finally {
      socket.close();
    }
  });

  /**
   * Holds the next handshake after its session was read and its user set (identity's middleware
   * runs first) until `release`: the place where a concurrent logout used to slip through.
   */
  let gate: { reached: () => void; held: Promise<void> } | null = null;
  function holdNextHandshake() {
    let release!: () => void;
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    gate = { reached, held: new Promise<void>((resolve) => (release = resolve)) };
    return { atGate, release };
  }
  before(() => {
    node.io.use((_socket, next) => {
      const g = gate;
      if (!g) return next();
      gate = null;
      g.reached();
      void g.held.then(() => next());
    });
  });

  for (const kind of ["candidate", "proctor"] as const) {
    it(`when a ${kind}'s logout completes while their socket's handshake is between reading the session and joining its rooms, then that socket is closed by the server`, async () => {
      const fixture = await scheduleCandidates(node, { count: 1 });
      const seated = fixture.candidates[0];
      if (!seated) throw new Error("no candidate");
      const who =
        kind === "candidate"
          ? await loginCandidate(node, {
              idNumber: seated.idNumber,
              ticketNo: seated.assignment.ticketNo,
              seatToken: seated.seatToken,
            })
          : await staffAgent(node, {
              roles: ["proctor"],
              testCentreId: fixture.room.testCentreId,
              divisionCode: fixture.session.divisionCode,
            });
      const { atGate, release } = holdNextHandshake();
      const socket = ioClient(node.url, {
        transports: ["websocket"],
        extraHeaders: { cookie: who.cookie },
        reconnection: false,
        forceNew: true,
      });
      try {
        const closed = closedByServer(socket);
        await atGate;
        await who.agent.post("/api/auth/logout").expect(204);
        release();
        const outcome = await Promise.race([
          closed,
          new Promise<string>((resolve) => setTimeout(() => resolve("still open after 10 s"), 10_000)),
        ]);
        expect(outcome).to.equal("io server disconnect");
      } finally {
        socket.close();
      }
    });
  }

  it("when a socket has connected, then its upgrade request can be collected, and its events are still checked against its login", async () => {
    // The last handshake request this node saw, weakly: the only way to see it is no longer kept.
    let upgrade: WeakRef<object> | null = null;
    node.io.engine.use((req: object, _res: unknown, next: () => void) => {
      upgrade = new WeakRef(req);
      next();
    });
    const { proctor, socket } = await aProctorWatching();
    try {
      const held = node.io.sockets.sockets.get(socket.id ?? "");
      expect(held?.data.loginSessionId).to.be.a("string");
      expect(upgrade).to.not.equal(null);
      // A WeakRef's target stays alive until the job that made or read it ends.
      await new Promise((resolve) => setImmediate(resolve));
      fullGc();
      expect((upgrade as WeakRef<object> | null)?.deref()).to.equal(undefined);
      const closed = closedByServer(socket);
      await proctor.agent.post("/api/auth/logout").expect(204);
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });

  it("when a candidate's login window (candidateUntil) passes while the socket is open, then its next event is refused and the socket is closed", async () => {
    const fixture = await scheduleCandidates(node, { count: 1 });
    const seated = fixture.candidates[0];
    if (!seated) throw new Error("no candidate");
    const who = await loginCandidate(node, {
      idNumber: seated.idNumber,
      ticketNo: seated.assignment.ticketNo,
      seatToken: seated.seatToken,
    });
    const socket = await connectSocket(node, who);
    try {
      const held = node.io.sockets.sockets.get(socket.id ?? "");
      if (!held) throw new Error("socket not on this node");
      expect(held.data.candidateUntil).to.be.greaterThan(Date.now());
      // What the login said at the handshake, as the check reads it: now in the past.
      held.data.candidateUntil = Date.now() - 1000;
      const closed = closedByServer(socket);
      const ack = (await socket.timeout(10_000).emitWithAck("attempt:sync", {})) as Ack<unknown>;
      expect(ack.ok).to.equal(false);
      if (!ack.ok) expect(ack.error.code).to.equal("session_ended");
      expect(await closed).to.equal("io server disconnect");
    } finally {
      socket.close();
    }
  });

  it("when a page of another origin opens a socket with a logged-in officer's cookie, then the handshake is refused; the node's own origin is accepted", async () => {
    const officer = await staffAgent(node, { roles: ["officer"] });
    const hostile = ioClient(node.url, {
      transports: ["websocket"],
      extraHeaders: { cookie: officer.cookie, origin: "https://evil.example" },
      reconnection: false,
      forceNew: true,
    });
    try {
      const outcome = await new Promise<string>((resolve) => {
        hostile.once("connect", () => resolve("connected"));
        hostile.once("connect_error", () => resolve("refused"));
      });
      expect(outcome).to.equal("refused");
    } finally {
      hostile.close();
    }
    const own = ioClient(node.url, {
      transports: ["websocket"],
      extraHeaders: { cookie: officer.cookie, origin: node.url },
      reconnection: false,
      forceNew: true,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        own.once("connect", () => resolve());
        own.once("connect_error", reject);
      });
    } finally {
      own.close();
    }
  });
});
