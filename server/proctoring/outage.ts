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
 * outage must not cost the candidate time). Only outages that are over (the room is back: fewer
 * seats away than make an outage, see roomBackOf) are proposed, so the minutes are known; the
 * proctor applies the proposal with a reason.
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
 * Each seat is credited what the outage cost that seat (its drops in the window, cut to the room's
 * outage and rounded up to whole minutes), not what the worst-hit seat lost: time away while the clock was paused is not
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
    }
    // Only a window with more dropped seats than the best so far is built (at most one per seat
    // count, however many windows there are). A window whose room is still out (too many of its
    // seats still away) is passed over, not returned as "nothing": an earlier outage that is over
    // is still proposed meanwhile.
    if (dropsBySeat.size >= needed && dropsBySeat.size > bestDrops) {
      const proposal = proposalOf(sessionId, sorted, i, end, needed);
      if (proposal) {
        best = proposal;
        bestDrops = dropsBySeat.size;
      }
    }
    // This drop leaves the window before the next one starts it.
    const left = (dropsBySeat.get(start.attemptId) ?? 1) - 1;
    if (left === 0) dropsBySeat.delete(start.attemptId);
    else dropsBySeat.set(start.attemptId, left);
  }
  return best;
}

/**
 * When the room is back from the outage whose drops are `sorted[i..end)` (epoch ms), or null while
 * it is still out: the first moment, once every drop of the outage has started, that fewer than
 * `needed` seats are still away. Every drop begun by then counts, not only the window's: a seat
 * that dropped just before the window and is still away keeps the room out. Seats away longer
 * than that lost their time on their own (a slow restart, a candidate answering offline from the
 * journal): that is an ordinary extension, with its own reason and, past the limit, a second
 * approver, not a share of the room's outage.
 */
function roomBackOf(sorted: readonly AwayInterval[], end: number, needed: number): number | null {
  const lastFrom = sorted[end - 1]?.from ?? 0;
  // After the last drop started the away count only falls: it falls below `needed` at the
  // (k − needed + 1)-th earliest return of the k drops still away then (Infinity: still away).
  const ends: number[] = [];
  for (let j = 0; j < end; j++) {
    const to = sorted[j]?.to ?? Infinity;
    if (to > lastFrom) ends.push(to);
  }
  if (ends.length < needed) return lastFrom;
  ends.sort((a, b) => a - b);
  const back = ends[ends.length - needed] ?? Infinity;
  return back === Infinity ? null : back;
}

/**
 * The exam time a drop cost within the room's outage [from, back]. With no pause of the clock in
 * the drop (lostMs equals its length) this is exact; with one, the drop's lost time is not split
 * by when the pause fell, so the overlap is capped by the drop's whole lost time (never more than
 * the drop cost, never more than the outage lasted).
 */
function lostWithin(c: AwayInterval, from: number, back: number): number {
  const overlap = Math.max(0, Math.min(c.to ?? back, back) - Math.max(c.from, from));
  return c.lostMs === null ? overlap : Math.min(c.lostMs, overlap);
}

/**
 * The credit for one window of drops, once the room is back (see roomBackOf): each seat that lost
 * time within the room's outage, and what it lost there. A seat still away after the room is back
 * does not hold the proposal up; it is credited the room's outage like the rest.
 */
function proposalOf(
  sessionId: string,
  sorted: readonly AwayInterval[],
  i: number,
  end: number,
  needed: number,
): FoundOutage | null {
  const cluster = sorted.slice(i, end);
  const first = cluster[0];
  const back = roomBackOf(sorted, end, needed);
  if (!first || back === null) return null;
  const lostBySeat = new Map<string, number>();
  for (const c of cluster)
    lostBySeat.set(c.attemptId, (lostBySeat.get(c.attemptId) ?? 0) + lostWithin(c, first.from, back));
  const seats = [...lostBySeat]
    .filter(([, lost]) => lost > 0)
    .map(([attemptId, lost]) => ({ attemptId, minutes: Math.ceil(lost / 60_000) }))
    .sort((a, b) => (a.attemptId < b.attemptId ? -1 : a.attemptId > b.attemptId ? 1 : 0));
  if (seats.length === 0) return null;
  const drops = new Map<string, number[]>();
  for (const c of cluster) {
    if (lostBySeat.get(c.attemptId)) drops.set(c.attemptId, [...(drops.get(c.attemptId) ?? []), c.from]);
  }
  const proposal = {
    sessionId,
    attemptIds: seats.map((s) => s.attemptId),
    seats,
    from: first.from,
    to: back,
    minutes: Math.max(...seats.map((s) => s.minutes)),
  };
  return { proposal, drops };
}
