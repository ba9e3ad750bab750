import type { ClockDto } from "@contracts/exams.js";

/**
 * The countdown shown to a candidate, anchored on the server. Every ack and clock event carries
 * `serverTime` and `deadline`; the page stores that pair with the browser's monotonic clock at
 * receipt and shows `deadline - (serverTime + elapsed since receipt)`. A local timer alone would
 * drift (sleeping laptops, throttled tabs, a wrong system clock) and the deadline is enforced by
 * the server, so the number on screen must follow the server's.
 */
export interface ClockAnchor extends ClockDto {
  /** `performance.now()` when this clock was received. */
  receivedAt: number;
}

/** Makes an anchor from a server clock received now (`at` = `performance.now()`). */
export function anchorClock(clock: ClockDto, at: number): ClockAnchor {
  return {
    serverTime: clock.serverTime,
    deadline: clock.deadline,
    paused: clock.paused,
    remainingMs: clock.remainingMs,
    version: clock.version,
    receivedAt: at,
  };
}

/** The server's time now, estimated from the anchor. */
export function serverNow(anchor: ClockAnchor, now: number): number {
  return anchor.serverTime + Math.max(0, now - anchor.receivedAt);
}

/**
 * Remaining time in ms (never negative), or null before the attempt starts. While paused the
 * server freezes `remainingMs`, so it is shown as is.
 */
export function remainingMs(anchor: ClockAnchor | null, now: number): number | null {
  if (!anchor) return null;
  if (anchor.paused) return anchor.remainingMs === null ? null : Math.max(0, anchor.remainingMs);
  if (anchor.deadline === null) return anchor.remainingMs;
  return Math.max(0, anchor.deadline - serverNow(anchor, now));
}

/** `H:MM:SS` or `MM:SS` for the countdown (rounded up so 0:00 means the time is really over). */
export function formatRemaining(ms: number | null): string {
  if (ms === null) return "--:--";
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * Keeps the newer of two anchors. Messages cross: a sync reply built from the attempt as read
 * before a resume can arrive after the resume's `attempt:clock`, with a later `serverTime` (it was
 * sent later) and the paused clock. So the attempt's version the clock was read at decides. Of two
 * of one version (acks of saves, which leave the clock as it was) the one that took the least time
 * to arrive: the largest `serverTime - receivedAt`. A save's ack is stamped before the database
 * write, so a slow write delivers an old reading late, and taking it would show more time than the
 * server has; the least delayed reading shows the least time, never more than the server's.
 */
export function newerAnchor(current: ClockAnchor | null, next: ClockAnchor): ClockAnchor {
  if (!current) return next;
  if (next.version !== current.version) return next.version > current.version ? next : current;
  return next.serverTime - next.receivedAt >= current.serverTime - current.receivedAt ? next : current;
}

/**
 * Whether a message read at the attempt's version `next` may change the status the page shows,
 * last taken from version `shown` (null: none yet): not when it is older.
 */
export function showsNewer(shown: number | null, next: number): boolean {
  return shown === null || next >= shown;
}
