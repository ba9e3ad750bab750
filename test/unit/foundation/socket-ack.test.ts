import { expect } from "chai";
import { pino } from "pino";
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { z } from "zod";
import type { Ack } from "../../../server/contracts/errors.js";
import { AppError } from "../../../server/lib/errors.js";
import { listenShared, sharedListener, withAck } from "../../../server/lib/socket-ack.js";
import type { AppSocket } from "../../../server/lib/socket-types.js";
import { SyncPayload } from "../../../server/contracts/exams.js";

/** A pino logger whose lines land in `lines` (JSON-parsed). */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n"))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

/** Calls a wrapped handler the way socket.io does and resolves with the ack it receives. */
function emit<R>(handler: (payload: unknown, ack?: unknown) => void, payload: unknown): Promise<Ack<R>> {
  return new Promise((resolve) => handler(payload, (ack: Ack<R>) => resolve(ack)));
}

const Answer = z.object({ attemptId: z.string().min(1), seq: z.number().int().min(1) }).strict();

describe("socket ack wrapper", () => {
  it("when the payload is malformed, then the ack fails with validation_failed and the handler never runs", async () => {
    let ran = false;
    const handler = withAck(Answer, () => {
      ran = true;
      return "saved";
    });
    const ack = await emit(handler, { attemptId: "", seq: "one", extra: true });
    expect(ran).to.equal(false);
    expect(ack.ok).to.equal(false);
    if (ack.ok) return;
    expect(ack.error.code).to.equal("validation_failed");
    const paths = (ack.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).to.include.members(["attemptId", "seq"]);
  });

  it("when the payload is valid, then the ack carries the handler's result", async () => {
    const handler = withAck(Answer, async (p) => ({ saved: p.seq }));
    expect(await emit(handler, { attemptId: "a1", seq: 3 })).to.deep.equal({ ok: true, data: { saved: 3 } });
  });

  it("when the handler throws an AppError, then the ack keeps its code and message", async () => {
    const handler = withAck(Answer, () => {
      throw new AppError("attempt_closed", 409, "考试已结束");
    });
    const ack = await emit(handler, { attemptId: "a1", seq: 1 });
    expect(ack).to.deep.equal({ ok: false, error: { code: "attempt_closed", message: "考试已结束" } });
  });

  it("when the handler returns a thenable that is not a Promise (a query), then the ack carries what it resolves to", async () => {
    const query = { then: (resolve: (v: { saved: number }) => void) => resolve({ saved: 7 }) };
    const handler = withAck(Answer, () => query as unknown as { saved: number });
    expect(await emit(handler, { attemptId: "a1", seq: 7 })).to.deep.equal({ ok: true, data: { saved: 7 } });
  });

  it("when the handler throws an unexpected error, then the ack is opaque and the cause is logged", async () => {
    const { logger, lines } = capturingLogger();
    const handler = withAck(
      Answer,
      async () => {
        throw new Error("secret connection string mongodb://admin:pw@db");
      },
      logger,
    );
    const ack = await emit(handler, { attemptId: "a1", seq: 1 });
    expect(ack).to.deep.equal({ ok: false, error: { code: "internal_error", message: "服务器内部错误" } });
    expect(JSON.stringify(ack)).not.to.include("secret");
    const logged = lines.find((l) => l.msg === "socket handler failed");
    expect((logged?.err as { message?: string } | undefined)?.message).to.include("secret connection string");
  });

  it("when the client sends no callback, then neither a bad payload nor a throwing handler crashes anything", async () => {
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    const handler = withAck(Answer, async () => {
      settled();
      throw new Error("boom");
    });
    expect(() => handler({ nonsense: true })).not.to.throw();
    expect(() => handler({ attemptId: "a1", seq: 1 }, "not a function")).not.to.throw();
    await done;
    // Give the rejected handler's continuation a turn: an unhandled rejection would fail the run.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("when the client sends a callback but no payload, then the callback gets a failed ack instead of waiting forever", async () => {
    let ran = false;
    const handler = withAck(Answer, () => {
      ran = true;
      return "saved";
    });
    const ack = await new Promise<Ack<string>>((resolve) => handler((a: Ack<string>) => resolve(a)));
    expect(ran).to.equal(false);
    expect(ack.ok).to.equal(false);
    if (!ack.ok) expect(ack.error.code).to.equal("validation_failed");
  });
});

describe("shared socket listeners", () => {
  /** Stands in for a socket.io socket: an EventEmitter calls listeners with itself as `this`, as socket.io does. */
  function fakeSocket(name: string): AppSocket {
    const socket = new EventEmitter() as unknown as AppSocket;
    socket.data = { user: null, ownAttemptId: name };
    return socket;
  }

  it("when one shared listener is registered on two sockets, then both hold the same function and each event's handler gets the socket it arrived on", async () => {
    const seen: string[] = [];
    const shared = sharedListener("attempt:sync", SyncPayload, (socket, p) => {
      seen.push(`${socket.data.ownAttemptId ?? "?"}:${p.attemptId ?? "-"}`);
      return {} as never;
    });
    const [a, b] = [fakeSocket("A"), fakeSocket("B")];
    listenShared(a, [shared]);
    listenShared(b, [shared]);
    expect(a.listeners("attempt:sync")[0]).to.equal(b.listeners("attempt:sync")[0]);
    const acks = await Promise.all(
      [
        [b, "x1"],
        [a, "x2"],
      ].map(
        ([socket, id]) =>
          new Promise<Ack<unknown>>((resolve) =>
            (socket as unknown as EventEmitter).emit("attempt:sync", { attemptId: id }, resolve),
          ),
      ),
    );
    expect(acks.map((ack) => ack.ok)).to.deep.equal([true, true]);
    expect(seen).to.deep.equal(["B:x1", "A:x2"]);
  });
});
