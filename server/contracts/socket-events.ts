import type { AckCallback } from "./errors.js";

/**
 * Typed socket.io event maps shared by server and client. Event names are `domain:verb`; every
 * client→server event takes one payload (validated with zod on the server) and an ack callback.
 * Feature sections are added below as features land.
 */
export interface ClientToServerEvents {
  "system:ping": (payload: Record<string, never>, ack: AckCallback<{ serverTime: number }>) => void;
}

export interface ServerToClientEvents {
  "system:notice": (payload: { message: string; serverTime: number }) => void;
}

/** Events between server instances (via the Redis adapter's serverSideEmit). */
export type InterServerEvents = Record<string, never>;

/** What the handshake puts on every socket. */
export interface SocketData {
  user: import("./auth.js").AuthUser | null;
}
