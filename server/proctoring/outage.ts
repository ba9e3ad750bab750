import {
  OUTAGE_RULE,
  outageSeatsNeeded,
  type OutageProposalDto,
  type OutageRule,
} from "../contracts/exams.js";
import { outageWindows, timeLostMs } from "../exams/index.js";

export type { OutageRule } from "../contracts/exams.js";

/** A pause of the seat's clock (epoch ms); one still open is closed at the moment the drops were read. */
export interface PauseSpan {
  from: number;
  to: number;
}

/** One seat's time away from the exam (a dropped connection), from the attempt's record. */
export interface AwayInterval {
  attemptId: string;
  from: number;
  /** Null while the seat is still away. */
  to: number | null;
  /**
   * The exam time it cost: the time away less any pause of the seat's clock; while the seat is
   * still away, up to now (null: unknown, the overlap with the outage is taken whole).
   */
  lostMs: number | null;
  /**
   * Every pause of the attempt's clock: what the drop cost within an outage is its part inside the
   * outage less these (see lostWithin). Absent: the drop's `lostMs` caps the overlap instead.
   */
  pauses?: readonly PauseSpan[];
  /** Already given back by an outage credit: never proposed again (absent means not credited). */
  credited?: boolean;
}

/** An outage found in a room's drops: the proposal shown, and which drops of each seat it credits. */
export interface FoundOutage {
  proposal: OutageProposalDto;
  /** The start (epoch ms) of every drop the proposal covers, by attempt: what a credit marks credited. */
  drops: Map<string, number[]>;
}

/** "Many seats of a room disconnect together" (the contract's OUTAGE_RULE: the deadline sweep holds by it too). */
export const DEFAULT_OUTAGE_RULE: OutageRule = OUTAGE_RULE;

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
 * outage still uncredited is proposed after a later one is credited. The windows are exam
 * delivery's outageWindows, the grouping the deadline sweep holds seats by: one pass over the
 * drops sorted by start, so a room with many reconnects costs n log n, not n².
 */
export function findOutage(
  sessionId: string,
  intervals: readonly AwayInterval[],
  seatsInProgress: number,
  rule: OutageRule = DEFAULT_OUTAGE_RULE,
): FoundOutage | null {
  const sorted = intervals.filter((w) => !w.credited).sort((a, b) => a.from - b.from);
  const needed = outageSeatsNeeded(seatsInProgress, rule);
  let best: FoundOutage | null = null;
  let bestDrops = 0;
  for (const { start, end, seats } of outageWindows(sorted, needed, rule.windowMs)) {
    // Only a window with more dropped seats than the best so far is built (at most one per seat
    // count, however many windows there are). A window whose room is still out (too many of its
    // seats still away) is passed over, not returned as "nothing": an earlier outage that is over
    // is still proposed meanwhile.
    if (seats <= bestDrops) continue;
    const proposal = proposalOf(sessionId, sorted, start, end, needed);
    if (proposal) {
      best = proposal;
      bestDrops = seats;
    }
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
 * The exam time a drop cost within the room's outage [from, back]: the part of the drop inside the
 * outage, less the pauses of the seat's clock inside that part (timeLostMs, as the drop's own
 * `lostMs` is measured). Not the drop's whole lost time capped by the overlap: a seat still away
 * long after the room was back has its pauses counted over its whole absence, and a pause inside
 * the outage that the resume gave back was then paid again (4 seats drop at 0, paused 0:30–10:30,
 * three back at 10:00, one at 60:00: that one lost half a minute in the outage, not ten). Without
 * the pauses (a caller that has none) the overlap is capped by the drop's whole lost time.
 */
function lostWithin(c: AwayInterval, from: number, back: number): number {
  const span = { from: Math.max(c.from, from), to: Math.min(c.to ?? back, back) };
  if (span.to <= span.from) return 0;
  // Every pause was closed when the drops were read: `now` (the last argument) is never used.
  if (c.pauses) return timeLostMs(span, c.pauses, span.to);
  const overlap = span.to - span.from;
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
