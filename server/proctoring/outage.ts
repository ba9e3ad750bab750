import type { OutageProposalDto } from "../contracts/exams.js";

/** One seat's time away from the exam (a dropped connection), from the attempt's record. */
export interface AwayInterval {
  attemptId: string;
  from: number;
  /** Null while the seat is still away. */
  to: number | null;
}

export interface OutageRule {
  /** Disconnections starting within this window of each other count as one outage. */
  windowMs: number;
  /** At least this many seats … */
  minSeats: number;
  /** … and at least this share of the seats in progress. */
  minShare: number;
}

/** "Many seats of a room disconnect together": 3 seats and 30 % of the room within one minute. */
export const DEFAULT_OUTAGE_RULE: OutageRule = { windowMs: 60_000, minSeats: 3, minShare: 0.3 };

/**
 * Proposes crediting the minutes lost when many seats of a room dropped together (断点续考: an
 * outage must not cost the candidate time). Only outages that are over (every seat back) are
 * proposed, so the minutes are known; the proctor applies the proposal with a reason.
 */
export function proposeOutageCredit(
  sessionId: string,
  intervals: readonly AwayInterval[],
  seatsInProgress: number,
  rule: OutageRule = DEFAULT_OUTAGE_RULE,
): OutageProposalDto | null {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const needed = Math.max(rule.minSeats, Math.ceil(seatsInProgress * rule.minShare));
  let best: OutageProposalDto | null = null;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    if (!start) continue;
    const cluster = sorted.filter((x, j) => j >= i && x.from - start.from <= rule.windowMs);
    const seats = new Set(cluster.map((c) => c.attemptId));
    if (seats.size < needed) continue;
    if (cluster.some((c) => c.to === null)) return null;
    const to = Math.max(...cluster.map((c) => c.to ?? 0));
    const proposal = {
      sessionId,
      attemptIds: [...seats].sort(),
      from: start.from,
      to,
      minutes: Math.max(1, Math.ceil((to - start.from) / 60_000)),
    };
    if (!best || proposal.attemptIds.length > best.attemptIds.length) best = proposal;
  }
  return best;
}
