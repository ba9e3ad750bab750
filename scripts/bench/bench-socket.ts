/**
 * The benchmark's socket clients (candidates and the proctor): the contract's event maps, and an
 * emit that waits for the ack typed by the event, as the exam page does.
 */
import { io as ioClient, type Socket } from "socket.io-client";
import type { AuthUser } from "../../server/contracts/auth.js";
import type { Ack } from "../../server/contracts/errors.js";
import type {
  AckDataOf,
  ClientEvent,
  ClientToServerEvents,
  PayloadOf,
  ServerToClientEvents,
} from "../../server/contracts/socket-events.js";

/** The candidate's and proctor's client: the contract's event maps, as the exam page uses them. */
export type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects as `user` (the exam node's test identity), or anonymously to the baseline. */
export function connectClient(url: string, user: AuthUser | null): Promise<BenchSocket> {
  const s = ioClient(url, {
    transports: ["websocket"],
    auth: user ? { user } : {},
    forceNew: true,
    reconnection: true,
    reconnectionDelay: 200,
  });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

/** Emits a contract event and waits for its ack (typed by the event map, like the client's emitWithAck). */
export async function emitAck<E extends ClientEvent>(
  s: BenchSocket,
  event: E,
  payload: PayloadOf<E>,
  timeoutMs = 15_000,
): Promise<Ack<AckDataOf<E>>> {
  // socket.io's typing cannot follow a generic event name through its conditional types.
  const timed = s.timeout(timeoutMs);
  const emit = timed.emitWithAck.bind(timed) as unknown as (
    e: E,
    p: PayloadOf<E>,
  ) => Promise<Ack<AckDataOf<E>>>;
  return emit(event, payload);
}
