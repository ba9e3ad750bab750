import { defineStore } from "pinia";
import { ref } from "vue";
import { io, type Socket } from "socket.io-client";
import type { Ack } from "@contracts/errors.js";
import type {
  AckDataOf,
  ClientEvent,
  ClientToServerEvents,
  PayloadOf,
  ServerToClientEvents,
} from "@contracts/socket-events.js";

/** The typed client socket: events the server emits in, events the client emits out. */
export type AppClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connection state for the reconnect banner. */
export type ConnectionState = "idle" | "connecting" | "connected" | "reconnecting";

/** Live connection state; `reconnecting` shows a banner, answers are queued by the pages. */
export const useConnectionStore = defineStore("connection", () => {
  const state = ref<ConnectionState>("idle");
  const attempts = ref(0);
  /** Server clock minus browser clock (ms), from the last `system:ping`; the server owns the time. */
  const clockOffsetMs = ref(0);
  return { state, attempts, clockOffsetMs };
});

let socket: AppClientSocket | null = null;

/**
 * The one socket of this tab, created on first use after login. The session cookie authenticates
 * the handshake (the server reads it with `io.engine.use`), so nothing is sent in `auth`.
 */
export function useSocket(): AppClientSocket {
  if (socket) return socket;
  const conn = useConnectionStore();
  const s: AppClientSocket = io({
    path: "/socket.io",
    withCredentials: true,
    // WebSocket only: one socket is one connection to one instance, so several instances behind a
    // load balancer need no session affinity (a polling session lives in one instance's memory).
    // Listing "polling" second changed nothing (without tryAllTransports only the first is tried)
    // but read as a fallback that was not there.
    transports: ["websocket"],
  });
  conn.state = "connecting";
  s.on("connect", () => {
    conn.state = "connected";
    conn.attempts = 0;
    void syncClock(s);
  });
  s.on("disconnect", (reason) => {
    // A server-side kick (logout elsewhere, session ended) does not reconnect by itself.
    conn.state =
      reason === "io server disconnect" || reason === "io client disconnect" ? "idle" : "reconnecting";
  });
  s.io.on("reconnect_attempt", (n) => {
    conn.state = "reconnecting";
    conn.attempts = n;
  });
  s.on("connect_error", () => {
    if (s.active) conn.state = "reconnecting";
    else conn.state = "idle";
  });
  socket = s;
  return s;
}

/** Closes the socket (logout). */
export function disconnectSocket(): void {
  if (!socket) return;
  socket.removeAllListeners();
  socket.disconnect();
  socket = null;
  useConnectionStore().state = "idle";
}

/** The socket with socket.io's ack timeout armed: its ack callbacks take a timeout error first. */
type TimedSocket = ReturnType<AppClientSocket["timeout"]>;

/** Sends event `E` and hands its ack (or socket.io's timeout error, `null` on success) to `done`. */
type Sender<E extends ClientEvent> = (
  socket: TimedSocket,
  payload: PayloadOf<E>,
  done: (timeout: Error | null, ack: Ack<AckDataOf<E>>) => void,
) => void;

/**
 * One sender per client→server event. socket.io's typing cannot follow a generic event name
 * through its conditional types, but it checks each literal name here against the contract map
 * (payload, ack data and the timeout error), and `emitWithAck` reaches this table through a
 * mapped type, which TypeScript does follow for a generic key. An event added to the map without
 * a line here does not compile.
 */
const senders: { [E in ClientEvent]: Sender<E> } = {
  "system:ping": (s, p, done) => s.emit("system:ping", p, done),
  "attempt:sync": (s, p, done) => s.emit("attempt:sync", p, done),
  "attempt:confirm": (s, p, done) => s.emit("attempt:confirm", p, done),
  "attempt:answer": (s, p, done) => s.emit("attempt:answer", p, done),
  "attempt:flag": (s, p, done) => s.emit("attempt:flag", p, done),
  "attempt:submit": (s, p, done) => s.emit("attempt:submit", p, done),
  "proctor:watch": (s, p, done) => s.emit("proctor:watch", p, done),
  "proctor:unwatch": (s, p, done) => s.emit("proctor:unwatch", p, done),
  "proctor:check_in": (s, p, done) => s.emit("proctor:check_in", p, done),
  "proctor:release": (s, p, done) => s.emit("proctor:release", p, done),
  "proctor:pause": (s, p, done) => s.emit("proctor:pause", p, done),
  "proctor:resume": (s, p, done) => s.emit("proctor:resume", p, done),
  "proctor:extend": (s, p, done) => s.emit("proctor:extend", p, done),
  "proctor:approve_extension": (s, p, done) => s.emit("proctor:approve_extension", p, done),
  "proctor:force_submit": (s, p, done) => s.emit("proctor:force_submit", p, done),
  "proctor:void": (s, p, done) => s.emit("proctor:void", p, done),
  "proctor:incident": (s, p, done) => s.emit("proctor:incident", p, done),
  "proctor:credit_outage": (s, p, done) => s.emit("proctor:credit_outage", p, done),
  "proctor:unlock_login": (s, p, done) => s.emit("proctor:unlock_login", p, done),
};

/**
 * Emits a client→server event and resolves with its `Ack`: `{ ok: true, data }` or
 * `{ ok: false, error }`. A lost connection or a silent server becomes `{ ok: false }` with code
 * `ack_timeout`, so callers handle one shape and never an exception.
 */
export function emitWithAck<E extends ClientEvent>(
  event: E,
  payload: PayloadOf<E>,
  options: { timeoutMs?: number; socket?: AppClientSocket } = {},
): Promise<Ack<AckDataOf<E>>> {
  const s = options.socket ?? useSocket();
  const send: Sender<E> = senders[event];
  return new Promise((resolve) => {
    send(s.timeout(options.timeoutMs ?? 10_000), payload, (timeout, ack) => {
      resolve(
        timeout
          ? { ok: false, error: { code: "ack_timeout", message: "服务器未及时响应，请检查网络连接" } }
          : ack,
      );
    });
  });
}

/** Measures the server clock once per connection (NTP-style, half the round trip). */
async function syncClock(s: AppClientSocket): Promise<void> {
  const sent = Date.now();
  const ack = await emitWithAck("system:ping", {}, { socket: s, timeoutMs: 5000 });
  if (!ack.ok) return;
  const received = Date.now();
  useConnectionStore().clockOffsetMs = ack.data.serverTime - (sent + received) / 2;
}
