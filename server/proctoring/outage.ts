import type { OutageProposalDto } from "../contracts/exams.js";

/** One seat's time away from the exam (a dropped connection), from the attempt's record. */
export interface AwayInterval {
  attemptId: string;
  from: number;
  /** Null while the seat is still away. */
  to: number | null;
  /** The exam time it cost: the time away less any pause of the seat's clock (null while away). */
  lostMs: number | null;
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
 *
 * The minutes are what the outage cost the seat that lost most: time away while the clock was
 * paused is not lost (the pause already gave it back), so a room paused for the outage is not
 * credited twice, and seats that lost nothing are not proposed. The windows are found in one pass
 * over the drops sorted by start (each drop enters and leaves the window once), so a room with
 * many reconnects costs n log n, not n².
 */
export function proposeOutageCredit(
  sessionId: string,
  intervals: readonly AwayInterval[],
  seatsInProgress: number,
  rule: OutageRule = DEFAULT_OUTAGE_RULE,
): OutageProposalDto | null {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const needed = Math.max(rule.minSeats, Math.ceil(seatsInProgress * rule.minShare));
  const dropsBySeat = new Map<string, number>();
  let open = 0;
  let end = 0;
  let best: OutageProposalDto | null = null;
  let bestDrops = 0;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    if (!start) continue;
    // Widen the window [i, end) to every drop starting within `windowMs` of this one.
    for (; end < sorted.length; end++) {
      const next = sorted[end];
      if (!next || next.from - start.from > rule.windowMs) break;
      dropsBySeat.set(next.attemptId, (dropsBySeat.get(next.attemptId) ?? 0) + 1);
      if (next.to === null) open++;
    }
    if (dropsBySeat.size >= needed) {
      // An outage still going on: nothing is proposed until every seat is back.
      if (open > 0) return null;
      // Only a window with more dropped seats than the best so far is built: at most one per
      // seat count, however many windows there are.
      if (dropsBySeat.size > bestDrops) {
        const proposal = proposalOf(sessionId, sorted.slice(i, end));
        if (proposal) {
          best = proposal;
          bestDrops = dropsBySeat.size;
        }
      }
    }
    // This drop leaves the window before the next one starts it.
    const left = (dropsBySeat.get(start.attemptId) ?? 1) - 1;
    if (left === 0) dropsBySeat.delete(start.attemptId);
    else dropsBySeat.set(start.attemptId, left);
    if (start.to === null) open--;
  }
  return best;
}

/** The credit for one window of drops, all over: the seats that lost time, and the most one lost. */
function proposalOf(sessionId: string, cluster: readonly AwayInterval[]): OutageProposalDto | null {
  const lostBySeat = new Map<string, number>();
  for (const c of cluster) lostBySeat.set(c.attemptId, (lostBySeat.get(c.attemptId) ?? 0) + (c.lostMs ?? 0));
  const losing = [...lostBySeat].filter(([, lost]) => lost > 0);
  if (losing.length === 0) return null;
  const first = cluster[0];
  if (!first) return null;
  return {
    sessionId,
    attemptIds: losing.map(([id]) => id).sort(),
    from: first.from,
    to: Math.max(...cluster.map((c) => c.to ?? 0)),
    minutes: Math.max(1, Math.ceil(Math.max(...losing.map(([, lost]) => lost)) / 60_000)),
  };
}
