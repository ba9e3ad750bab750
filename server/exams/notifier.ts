import type { AppServer } from "../lib/socket-types.js";
import type { Notifier } from "./ports.js";

/**
 * The socket.io notifier: emits to rooms, so with the Redis adapter an event raised on one
 * instance reaches sockets on every instance (pause from instance B reaches a candidate on A).
 * Bound to the server once sockets are attached; before that there is nobody to tell.
 */
export function createIoNotifier(): Notifier & { bind(io: AppServer): void } {
  let server: AppServer | null = null;
  return {
    bind(io) {
      server = io;
    },
    toRoom(room, event, ...args) {
      server?.to(room).emit(event, ...args);
    },
  };
}
