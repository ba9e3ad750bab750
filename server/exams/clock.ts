import type { ClockDto } from "../contracts/exams.js";

/** The parts an attempt's deadline is computed from (all persisted on the attempt). */
export interface ClockParts {
  startedAt: Date | null;
  minutes: number;
  accommodationMinutes: number;
  /** Extensions and outage credits, in minutes. */
  creditedMinutes: number;
  /** Time spent paused so far (closed pauses), in ms: a pause never costs the candidate time. */
  pausedMs: number;
  /** Set while paused. */
  pausedAt: Date | null;
}

/**
 * deadline = startedAt + minutes + credited time + accommodation (+ closed pauses), the issue's
 * server-owned clock rule. Null before the attempt is released.
 */
export function computeDeadline(p: ClockParts): Date | null {
  if (!p.startedAt) return null;
  const ms = (p.minutes + p.accommodationMinutes + p.creditedMinutes) * 60_000 + p.pausedMs;
  return new Date(p.startedAt.getTime() + ms);
}

/** Remaining time at `now`; while paused it is frozen at the moment the pause began. */
export function remainingMs(p: ClockParts, now: Date): number | null {
  const deadline = computeDeadline(p);
  if (!deadline) return null;
  const at = p.pausedAt ?? now;
  return Math.max(0, deadline.getTime() - at.getTime());
}

/** The clock fields every ack carries, but the version (the attempt's, which its presenter adds). */
export function clockOf(p: ClockParts, now: Date): Omit<ClockDto, "version"> {
  const deadline = computeDeadline(p);
  return {
    serverTime: now.getTime(),
    deadline: deadline ? deadline.getTime() : null,
    paused: p.pausedAt !== null,
    remainingMs: remainingMs(p, now),
  };
}

/**
 * Whether a save arriving at `now` is still accepted: before the deadline plus the grace for
 * in-flight saves (`config.exam.graceSeconds`, Moodle's "grace period" practice).
 */
export function acceptsSaves(deadline: Date | null, now: Date, graceSeconds: number): boolean {
  return deadline !== null && now.getTime() <= deadline.getTime() + graceSeconds * 1000;
}

/** A span of time (epoch ms); `to` null while it lasts. */
export interface Span {
  from: number;
  to: number | null;
}

/**
 * The part of a time away (`away`, closed) that cost the candidate exam time: the clock runs
 * unless paused, so every pause overlapping the absence is taken out (a proctor who pauses the room
 * for a network outage already gave that time back). An open pause counts as lasting until `now`.
 */
export function timeLostMs(away: { from: number; to: number }, pauses: readonly Span[], now: number): number {
  let paused = 0;
  for (const p of pauses) {
    const overlap = Math.min(away.to, p.to ?? now) - Math.max(away.from, p.from);
    if (overlap > 0) paused += overlap;
  }
  return Math.max(0, away.to - away.from - paused);
}
