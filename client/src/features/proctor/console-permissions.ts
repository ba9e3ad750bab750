import type { PendingExtensionDto, SeatViewDto } from "@contracts/exams.js";
import { isRunning } from "./seat-labels.js";

/**
 * Who looks at the console. The server lets a session's proctors control its room
 * (`session:proctor`) and its division's officers only watch it and approve extensions
 * (`session:watch`); every refused click is still written to the audit log as `proctor.refused`,
 * so the console offers a person only what the server will do for them. Once the session's
 * results are published the server refuses extend, force-submit and void (`results_locked`); a
 * cancelled session refuses every action (`session_cancelled`).
 */
export interface ConsoleViewer {
  /** Holds the proctor role (the server checks the test centre too). */
  canProctor: boolean;
  resultsPublished: boolean;
  /** The session was cancelled (`SessionRoomDto.status`); absent reads as not cancelled. */
  sessionCancelled?: boolean;
}

/** An action of the seat panel. */
export type SeatAction =
  "check_in" | "release" | "pause" | "resume" | "extend" | "force_submit" | "void" | "unlock_login";

/** The seat panel's actions for this seat and viewer, in the order they are shown. */
export function seatActions(seat: SeatViewDto, viewer: ConsoleViewer): SeatAction[] {
  if (!viewer.canProctor || viewer.sessionCancelled) return [];
  const out: SeatAction[] = [];
  const locked = viewer.resultsPublished;
  if (seat.state === "not_arrived") out.push("check_in");
  if (seat.state === "ready" || seat.state === "checked_in") out.push("release");
  if (isRunning(seat)) {
    out.push(seat.paused ? "resume" : "pause");
    if (!locked) out.push("extend", "force_submit");
  }
  if (seat.attemptId && seat.state !== "voided" && !locked) out.push("void");
  // Five wrong tries at the seat lock the candidate's login there; while they may still sit, the
  // proctor who has them in front of them can lift it.
  if (seat.state !== "submitted" && seat.state !== "voided") out.push("unlock_login");
  return out;
}

/** Whether `userId` asked for this extension: the server refuses their own approval (`second_approver_required`). */
export function requestedByViewer(p: PendingExtensionDto, userId: string | null): boolean {
  return userId !== null && p.requestedById === userId;
}
