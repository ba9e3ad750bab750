import { expect } from "chai";
import { Types } from "mongoose";
import { io as ioClient } from "socket.io-client";
import type { AttemptClosedDto } from "../../../server/contracts/exams.js";
import type { HandshakeRefusalDto } from "../../../server/contracts/socket-events.js";
import { connectSocket } from "../../helpers/auth.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call, ok, type ExamSocket } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aCandidateSitting } from "./support/watched-session.js";

type Sitting = Awaited<ReturnType<typeof aCandidateSitting>>;

/**
 * A page offline while its attempt closed (the proctor voided it, or the deadline handed it in)
 * comes back after its login window: the server refuses the socket (`session_ended`), and a
 * refusal alone read on the page as "handed in automatically" (已自动交卷), a voided attempt
 * included. The server now tells the page how the attempt closed, as `attempt:closed` would have
 * told it online: with the refused handshake's `connect_error` (passport finds no user past the
 * window), or as `attempt:closed` before it closes a socket it let through.
 */
describe("exam delivery: what a page offline at the close learns when it comes back after its login window", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  /** The session's end and the windows the login was given are over (as long after the close). */
  async function windowPassed(s: Sitting): Promise<void> {
    const past = new Date(Date.now() - 60_000);
    await env.node.ctx.conn
      .collection("exam_sessions")
      .updateOne({ _id: new Types.ObjectId(s.session.id) }, { $set: { endsAt: past } });
    await env.node.ctx.conn
      .collection("sessions")
      .updateMany(
        { "session.passport.user.user.id": s.login.user.id },
        { $set: { "session.candidateUntil": past.getTime() } },
      );
  }

  /**
   * The page's socket again, with the login's cookie, syncing at once as the page does on every
   * connect: what it received (events and the sync's error code) in order until the server closed
   * it, or the refused handshake's error data; `told` is how the attempt closed, as either said it.
   */
  async function reconnect(cookie: string): Promise<{
    log: string[];
    closed: AttemptClosedDto[];
    refused: HandshakeRefusalDto | null;
    told: AttemptClosedDto | null;
  }> {
    const socket: ExamSocket = ioClient(env.node.url, {
      transports: ["websocket"],
      extraHeaders: { cookie },
      reconnection: false,
      forceNew: true,
    });
    const log: string[] = [];
    const closed: AttemptClosedDto[] = [];
    socket.on("attempt:closed", (c) => {
      log.push("attempt:closed");
      closed.push(c);
    });
    socket.on("connect", () => {
      void call(socket, "attempt:sync", {}).then((ack) => {
        log.push(ack.ok ? "sync:ok" : `sync:${ack.error.code}`);
      });
    });
    return new Promise((resolve) => {
      socket.on("disconnect", (reason) => {
        log.push(`disconnect:${reason}`);
        resolve({
          log,
          closed,
          refused: null,
          told: log[0] === "attempt:closed" ? (closed[0] ?? null) : null,
        });
      });
      socket.on("connect_error", (err: Error & { data?: HandshakeRefusalDto }) => {
        socket.close();
        const refused = err.data ?? { code: "none", message: err.message };
        resolve({ log, closed, refused, told: refused.closed ?? null });
      });
    });
  }

  it("when the proctor voids the attempt while the page is offline and it reconnects after its login window, then it is told the attempt is void before the socket closes", async () => {
    const s = await aCandidateSitting(env.node);
    try {
      const attemptId = s.paper.attemptId;
      ok(await call(s.cSock, "attempt:answer", { attemptId, seq: 1, index: 0, choice: ["T"] }));
      s.cSock.close();
      ok(await call(s.pSock, "proctor:void", { attemptId, note: "考生携带手机，违纪" }));
      await windowPassed(s);

      const back = await reconnect(s.login.cookie);
      expect(back.refused?.code).to.equal("session_ended");
      const note = back.told;
      expect(note).to.deep.include({ attemptId, status: "voided", closeReason: "voided", result: null });
      expect(note?.answers).to.deep.equal([]);
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attemptId, { chainN: 1 }).lean();
      expect(note?.version).to.equal(stored?.chainN);
    } finally {
      s.pSock.close();
    }
  });

  it("when the deadline hands the attempt in while the page is offline and it reconnects after its login window, then it is told the score and the answers stored", async () => {
    const s = await aCandidateSitting(env.node);
    try {
      const attemptId = s.paper.attemptId;
      ok(await call(s.cSock, "attempt:answer", { attemptId, seq: 1, index: 0, choice: ["T"] }));
      s.cSock.close();
      const { Attempts } = examDb(env.node.ctx.conn);
      await Attempts.updateOne({ _id: attemptId }, { $set: { deadline: new Date(Date.now() - 60_000) } });
      for (let i = 0; i < 200; i += 1) {
        const a = await Attempts.findById(attemptId, { status: 1 }).lean();
        if (a?.status === "submitted") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await windowPassed(s);

      const back = await reconnect(s.login.cookie);
      expect(back.refused?.code).to.equal("session_ended");
      const note = back.told;
      expect(note).to.include({ attemptId, status: "submitted", closeReason: "deadline" });
      expect(note?.result?.score).to.be.a("number");
      expect(note?.result?.closeReason).to.equal("deadline");
      expect(note?.answers.map((a) => ({ index: a.index, seq: a.seq, choice: a.choice }))).to.deep.equal([
        { index: 0, seq: 1, choice: ["T"] },
      ]);
    } finally {
      s.pSock.close();
    }
  });

  it("when a page let in within its window is refused at its next event because the voided sitting is over, then attempt:closed comes before the refusal and the close", async () => {
    const s = await aCandidateSitting(env.node);
    try {
      const attemptId = s.paper.attemptId;
      s.cSock.close();
      ok(await call(s.pSock, "proctor:void", { attemptId, note: "考生携带手机，违纪" }));
      const page = (await connectSocket(env.node, s.login)) as unknown as ExamSocket;
      const log: string[] = [];
      const closed: AttemptClosedDto[] = [];
      page.on("attempt:closed", (c) => {
        log.push("attempt:closed");
        closed.push(c);
      });
      const gone = new Promise<void>((r) => page.once("disconnect", () => r()));
      // The window the socket was given ends while it is open (as a reconnect at its very end).
      const held = env.node.io.sockets.sockets.get(page.id ?? "");
      if (!held) throw new Error("socket not on this node");
      held.data.candidateUntil = Date.now() - 60_000;
      const refused = await call(page, "attempt:sync", { attemptId });
      log.push(refused.ok ? "sync:ok" : `sync:${refused.error.code}`);
      await gone;
      expect(log).to.deep.equal(["attempt:closed", "sync:session_ended"]);
      expect(closed[0]).to.deep.include({ attemptId, status: "voided", result: null });
    } finally {
      s.pSock.close();
    }
  });

  it("when the candidate logged out before the page reconnects, then the page is refused and told nothing of the attempt", async () => {
    const s = await aCandidateSitting(env.node);
    try {
      const attemptId = s.paper.attemptId;
      s.cSock.close();
      ok(await call(s.pSock, "proctor:void", { attemptId, note: "考生携带手机，违纪" }));
      await windowPassed(s);
      await s.login.agent.post("/api/auth/logout").expect(204);

      const back = await reconnect(s.login.cookie);
      expect(back.refused?.code).to.equal("unauthenticated");
      expect(back.refused?.closed).to.equal(undefined);
      expect(back.closed).to.deep.equal([]);
    } finally {
      s.pSock.close();
    }
  });
});
