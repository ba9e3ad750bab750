import { defineStore } from "pinia";
import { ref } from "vue";
import { io, type Socket } from "socket.io-client";
import type { Ack, AckCallback } from "@contracts/errors.js";
import type { ClientToServerEvents, ServerToClientEvents } from "@contracts/socket-events.js";

/** The typed client socket: events the server emits in, events the client emits out. */
export type AppClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Names of client→server events. */
export type ClientEvent = keyof ClientToServerEvents;
/** The payload an event takes. */
export type PayloadOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
/** The data a successful ack carries for an event. */
export type AckDataOf<E extends ClientEvent> =
  Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T> ? T : never;

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
    transports: ["websocket", "polling"],
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

/**
 * Emits a client→server event and resolves with its `Ack`: `{ ok: true, data }` or
 * `{ ok: false, error }`. A lost connection or a silent server becomes `{ ok: false }` with code
 * `ack_timeout`, so callers handle one shape and never an exception.
 */
export async function emitWithAck<E extends ClientEvent>(
  event: E,
  payload: PayloadOf<E>,
  options: { timeoutMs?: number; socket?: AppClientSocket } = {},
): Promise<Ack<AckDataOf<E>>> {
  const s = options.socket ?? useSocket();
  // socket.io's own typing cannot follow a generic event name through its conditional types.
  const timed = s.timeout(options.timeoutMs ?? 10_000);
  const emit = timed.emitWithAck.bind(timed) as unknown as (
    ev: E,
    p: PayloadOf<E>,
  ) => Promise<Ack<AckDataOf<E>>>;
  try {
    return await emit(event, payload);
  } catch {
    return { ok: false, error: { code: "ack_timeout", message: "服务器未及时响应，请检查网络连接" } };
  }
}

/** Measures the server clock once per connection (NTP-style, half the round trip). */
async function syncClock(s: AppClientSocket): Promise<void> {
  const sent = Date.now();
  const ack = await emitWithAck("system:ping", {}, { socket: s, timeoutMs: 5000 });
  if (!ack.ok) return;
  const received = Date.now();
  useConnectionStore().clockOffsetMs = ack.data.serverTime - (sent + received) / 2;
}
