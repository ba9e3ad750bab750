import { z } from "zod";
import type { Feature } from "../feature.js";
import { on } from "../lib/socket-ack.js";

const PingPayload = z.object({}).strict();

/**
 * `system:ping` lets every page learn the server clock (server − browser offset) right after it
 * connects, because the server owns the time (shared/STYLE.md rule 5); exam pages refine it from
 * each ack's serverTime.
 */
export function systemSocketFeature(now: () => number = Date.now): Feature {
  return {
    name: "system",
    onConnection(socket) {
      on(socket, "system:ping", PingPayload, () => ({ serverTime: now() }));
    },
  };
}
