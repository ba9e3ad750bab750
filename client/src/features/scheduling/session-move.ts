import type { ExamSessionDto, UpdateSessionBody } from "@contracts/scheduling.js";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { isoToZonedWallTime, zonedWallTimeToIso } from "../../shared/time.js";
// eslint-disable-next-line no-restricted-imports
import { changedFields } from "../../shared/changed-fields.js";

/** What the 改期 dialog edits: the start as a wall time in the node's zone, the length and late entry. */
export interface MoveForm {
  startsAt: string;
  durationMinutes: number;
  lateEntryMinutes: number;
}

/**
 * Whether the page offers 改期, by the server's rule (session-updates.ts) as far as the session
 * shows it: a scheduled session before its start (session_started after it, session_cancelled once
 * cancelled), whose papers were not released early (a release needs an admission, and once anyone
 * is admitted the times stand: session_admitted). An admission without a release, which the session
 * does not show, is refused by the server, whose message the dialog shows.
 */
export function movable(s: ExamSessionDto | undefined, now: number = Date.now()): boolean {
  return !!s && s.status === "scheduled" && Date.parse(s.startsAt) > now && s.releasedAt === null;
}

/** The dialog's fields as the session stands. */
export function moveFormOf(s: ExamSessionDto): MoveForm {
  return {
    startsAt: isoToZonedWallTime(s.startsAt),
    durationMinutes: s.durationMinutes,
    lateEntryMinutes: s.lateEntryMinutes,
  };
}

/**
 * The change to send: only what differs from the session (an unchanged start sent again would
 * still be checked against the clock and the room), or null when nothing does. The start is
 * compared as the picker holds it, in whole seconds: a session made with milliseconds (by a
 * script) was otherwise moved by them when only its length changed.
 */
export function moveBody(s: ExamSessionDto, form: MoveForm): UpdateSessionBody | null {
  const current = moveFormOf(s);
  // An emptied start is no new start: the dialog refuses it before asking for the body.
  const changed = changedFields(current, { ...form, startsAt: form.startsAt || current.startsAt });
  if (!changed) return null;
  const { startsAt, ...rest } = changed;
  return startsAt === undefined ? rest : { ...rest, startsAt: zonedWallTimeToIso(startsAt) };
}
