/**
 * The proctor actions that need a written reason (all audited): pause, extend time (with an
 * optional second approver), force hand-in, void for misconduct (违纪) and outage credit.
 */
export type ReasonAction = "pause" | "extend" | "force_submit" | "void" | "credit";

/** What the reason dialog hands back on confirm. */
export interface ReasonInput {
  reason: string;
  minutes: number;
  requireSecondApprover: boolean;
}
