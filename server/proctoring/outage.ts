import type { OutageProposalDto } from "../contracts/exams.js";

/** One seat's time away from the exam (a dropped connection), from the attempt's record. */
export interface AwayInterval {
  attemptId: string;
  from: number;
  /** Null while the seat is still away. */
  to: number | null;
  /** The exam time it cost: the time away less any pause of the seat's clock (null while away). */
  lostMs: number | null;
  /** Already given back by an outage credit: never proposed again (absent means not credited). */
  credited?: boolean;
}

/** An outage found in a room's drops: the proposal shown, and which drops of each seat it credits. */
export interface FoundOutage {
  proposal: OutageProposalDto;
  /** The start (epoch ms) of every drop the proposal covers, by attempt: what a credit marks credited. */
  drops: Map<string, number[]>;
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
  return findOutage(sessionId, intervals, seatsInProgress, rule)?.proposal ?? null;
}

/**
 * The outage to propose among drops not yet credited, with the drops it covers.
 *
 * Each seat is credited what the outage cost that seat (its drops in the window, rounded up to
 * whole minutes), not what the worst-hit seat lost: time away while the clock was paused is not
 * lost (the pause already gave it back), so a room paused for the outage is not credited twice,
 * and seats that lost nothing are not proposed. Credited drops are left out, so an earlier
 * outage still uncredited is proposed after a later one is credited. The windows are found in one
 * pass over the drops sorted by start (each drop enters and leaves the window once), so a room
 * with many reconnects costs n log n, not n².
 */
export function findOutage(
  sessionId: string,
  intervals: readonly AwayInterval[],
  seatsInProgress: number,
  rule: OutageRule = DEFAULT_OUTAGE_RULE,
): FoundOutage | null {
  const sorted = intervals.filter((w) => !w.credited).sort((a, b) => a.from - b.from);
  const needed = Math.max(rule.minSeats, Math.ceil(seatsInProgress * rule.minShare));
  const dropsBySeat = new Map<string, number>();
  let open = 0;
  let end = 0;
  let best: FoundOutage | null = null;
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

/** The credit for one window of drops, all over: each seat that lost time, and what it lost. */
function proposalOf(sessionId: string, cluster: readonly AwayInterval[]): FoundOutage | null {
  const lostBySeat = new Map<string, number>();
  for (const c of cluster) lostBySeat.set(c.attemptId, (lostBySeat.get(c.attemptId) ?? 0) + (c.lostMs ?? 0));
  const seats = [...lostBySeat]
    .filter(([, lost]) => lost > 0)
    .map(([attemptId, lost]) => ({ attemptId, minutes: Math.ceil(lost / 60_000) }))
    .sort((a, b) => (a.attemptId < b.attemptId ? -1 : a.attemptId > b.attemptId ? 1 : 0));
  const first = cluster[0];
  if (seats.length === 0 || !first) return null;
  const drops = new Map<string, number[]>();
  for (const c of cluster) {
    if (lostBySeat.get(c.attemptId)) drops.set(c.attemptId, [...(drops.get(c.attemptId) ?? []), c.from]);
  }
  const proposal = {
    sessionId,
    attemptIds: seats.map((s) => s.attemptId),
    seats,
    from: first.from,
    to: Math.max(...cluster.map((c) => c.to ?? 0)),
    minutes: Math.max(...seats.map((s) => s.minutes)),
  };
  return { proposal, drops };
}
