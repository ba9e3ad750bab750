import { expect } from "chai";
import type { Ack } from "../../../server/contracts/errors.js";
import { AppError } from "../../../server/lib/errors.js";
import type { Logger } from "../../../server/lib/logger.js";
import { guardEvents, MAX_PENDING_CHECKS } from "../../../server/lib/socket-session.js";
import type { AppSocket } from "../../../server/lib/socket-types.js";

type Middleware = (packet: unknown[], next: (err?: Error) => void) => void;

/** Stands in for a socket.io socket: its event middleware and whether it was closed. */
function fakeSocket() {
  const state = { middleware: null as Middleware | null, closed: false };
  const socket = {
    use(fn: Middleware) {
      state.middleware = fn;
    },
    disconnect() {
      state.closed = true;
    },
  } as unknown as AppSocket;
  /** Sends one event through the guard; `passed` records it when the guard lets it through. */
  const send = (name: string, passed: string[], acks: Ack<never>[] = []) =>
    state.middleware?.([name, {}, (a: Ack<never>) => acks.push(a)], () => passed.push(name));
  return { socket, state, send };
}

const turns = () => new Promise((resolve) => setImmediate(resolve));
const ended = () => new AppError("session_ended", 401, "登录已失效");

describe("socket event guard", () => {
  it("when a check answers at once, then the event goes through at once", () => {
    const { socket, send } = fakeSocket();
    guardEvents(socket, () => null);
    const passed: string[] = [];
    send("a", passed);
    send("b", passed);
    expect(passed).to.deep.equal(["a", "b"]);
  });

  it("when an earlier event's check still waits, then a later event whose check answers at once waits behind it", async () => {
    const { socket, send } = fakeSocket();
    let release!: (v: AppError | null) => void;
    const slow = new Promise<AppError | null>((resolve) => (release = resolve));
    const answers: (() => AppError | null | Promise<AppError | null>)[] = [
      () => slow,
      () => null,
      () => null,
    ];
    guardEvents(socket, () => (answers.shift() ?? (() => null))());
    const passed: string[] = [];
    send("first", passed);
    send("second", passed);
    await turns();
    expect(passed).to.deep.equal([]);
    release(null);
    await turns();
    expect(passed).to.deep.equal(["first", "second"]);
    send("third", passed);
    expect(passed).to.deep.equal(["first", "second", "third"]);
  });

  it("when a check refuses at once or throws, then the event is answered with a failed ack, never let through, and the socket is closed", () => {
    for (const check of [
      ended,
      () => {
        throw new Error("store down");
      },
    ]) {
      const { socket, state, send } = fakeSocket();
      guardEvents(socket, check);
      const passed: string[] = [];
      const acks: Ack<never>[] = [];
      send("save", passed, acks);
      expect(passed).to.deep.equal([]);
      expect(acks.map((a) => a.ok)).to.deep.equal([false]);
      expect(state.closed).to.equal(true);
    }
  });

  it("when a waiting check fails, then that event is refused and the events behind it are still checked", async () => {
    const { socket, state, send } = fakeSocket();
    const answers: (() => Promise<AppError | null>)[] = [
      () => Promise.reject(new Error("store down")),
      () => Promise.resolve(ended()),
    ];
    guardEvents(socket, () => (answers.shift() ?? (() => Promise.resolve(null)))());
    const passed: string[] = [];
    const acks: Ack<never>[] = [];
    send("first", passed, acks);
    send("second", passed, acks);
    await turns();
    expect(passed).to.deep.equal([]);
    expect(acks.map((a) => (a.ok ? "ok" : a.error.code))).to.deep.equal(["internal_error", "session_ended"]);
    expect(state.closed).to.equal(true);
  });
  it("when a check answers with a promise-like that is not this realm's Promise, then the event waits for it and goes through or is refused by its answer", async () => {
    for (const [answer, expected] of [
      [null, { passed: ["save"], acks: [] as string[], closed: false }],
      [ended(), { passed: [] as string[], acks: ["session_ended"], closed: true }],
    ] as const) {
      const { socket, state, send } = fakeSocket();
      // A bare thenable, as a promise from another library or realm looks to `instanceof`.
      const thenable: PromiseLike<AppError | null> = {
        then: (onFulfilled, onRejected) => Promise.resolve(answer).then(onFulfilled, onRejected),
      };
      guardEvents(socket, () => thenable);
      const passed: string[] = [];
      const acks: Ack<never>[] = [];
      send("save", passed, acks);
      expect(passed).to.deep.equal([]);
      await turns();
      expect(passed).to.deep.equal(expected.passed);
      expect(acks.map((a) => (a.ok ? "ok" : a.error.code))).to.deep.equal(expected.acks);
      expect(state.closed).to.equal(expected.closed);
    }
  });

  it("when a check refuses with something that is not an AppError, then the event still gets a coded failed ack, the socket is closed and the odd answer is logged", () => {
    const { socket, state, send } = fakeSocket();
    const logged: string[] = [];
    const logger = { error: (_obj: unknown, msg: string) => logged.push(msg) } as unknown as Logger;
    guardEvents(socket, () => new Error("plain refusal") as unknown as AppError, logger);
    const passed: string[] = [];
    const acks: Ack<never>[] = [];
    send("save", passed, acks);
    expect(passed).to.deep.equal([]);
    expect(acks.map((a) => (a.ok ? "ok" : a.error.code))).to.deep.equal(["internal_error"]);
    expect(state.closed).to.equal(true);
    expect(logged).to.deep.equal(["socket account check failed"]);
  });

  it("when a client sends more events than the guard keeps waiting for their checks, then the one past the bound is refused with too_many_requests, unchecked, and the socket is closed", async () => {
    const { socket, state, send } = fakeSocket();
    let release!: (v: AppError | null) => void;
    const slow = new Promise<AppError | null>((resolve) => (release = resolve));
    let checks = 0;
    guardEvents(socket, () => {
      checks += 1;
      return slow;
    });
    const passed: string[] = [];
    const acks: Ack<never>[] = [];
    for (let i = 0; i < MAX_PENDING_CHECKS; i++) send(`e${i}`, passed, acks);
    expect(state.closed).to.equal(false);
    send("flood", passed, acks);
    expect(acks.map((a) => (a.ok ? "ok" : a.error.code))).to.deep.equal(["too_many_requests"]);
    expect(state.closed).to.equal(true);
    release(null);
    for (let i = 0; i < MAX_PENDING_CHECKS + 2; i++) await turns();
    // Only the events within the bound were checked (one read each), and they went on in order.
    expect(checks).to.equal(MAX_PENDING_CHECKS);
    expect(passed).to.have.length(MAX_PENDING_CHECKS);
    expect(passed).to.not.include("flood");
  });
});
