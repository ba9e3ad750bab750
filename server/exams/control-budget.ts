import { errors } from "../lib/errors.js";
import type { AttemptLean } from "./presenters.js";

/** The states of a sitting that can still be given time (or asked for it). */
export const OPEN: readonly string[] = ["checked_in", "ready", "in_progress"];

/**
 * Bounds on a proctor's changes to one attempt. A console looping an action (a stuck button, a
 * script) grew the attempt's pauses, pending requests and chain without end, and its events
 * counted toward the candidate's saves (MAX_SAVE_EVENTS) until the candidate could save no more.
 * Proctor events are now counted apart (`controlEvents`) and bounded far above any real sitting;
 * resuming, answering a request and an outage credit stay allowed, as refusing them would strand
 * the candidate or cost them time owed (each is bounded by the pause, request or drops it ends).
 */
export const MAX_CONTROL_EVENTS = 200;

/** The refusal once the budget is spent (`details`: the seats a room's action left out). */
export const controlsExhausted = (details?: unknown) =>
  errors.conflict("controls_exhausted", "该考生的监考操作次数已达上限，请登记事件并联系考务人员", details);

/** Whether the attempt's budget of proctor events is spent. */
export const controlsSpent = (doc: AttemptLean): boolean => (doc.controlEvents ?? 0) >= MAX_CONTROL_EVENTS;

/** The next count of proctor events, refused `controls_exhausted` once the budget is spent. */
export function nextControl(doc: AttemptLean, bounded = true): number {
  if (bounded && controlsSpent(doc)) throw controlsExhausted();
  return (doc.controlEvents ?? 0) + 1;
}
