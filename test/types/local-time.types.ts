/**
 * Type-level tests of the server's shown times, checked by `npm run typecheck` (never run by mocha).
 * Each `@ts-expect-error` line MUST fail to compile: a default zone let a hub service print Beijing
 * time on a hub in another zone, so the caller has to name the zone every time.
 */
import { formatShown } from "../../server/lib/local-time.js";

declare const at: Date;
declare const timeZone: string;

export function typeChecks(): void {
  // Naming the zone compiles, with or without a precision.
  formatShown(at, timeZone);
  formatShown(at, timeZone, "minute");

  // @ts-expect-error the zone is required: the node's zone is config.timeZone, never a default.
  formatShown(at);
}
