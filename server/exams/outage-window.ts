/** A drop as the outage rule groups it: whose seat, and when it started (epoch ms). */
export interface DropStart {
  attemptId: string;
  from: number;
}

/** Drops `[start, end)` of a sorted list, starting within the rule's window of the first; `seats` of them distinct. */
export interface OutageWindow {
  start: number;
  end: number;
  seats: number;
}

/**
 * The windows of a room's drops that make an outage (the contract's OUTAGE_RULE): for each drop,
 * in order, the drops starting within `windowMs` of it, when they are of at least `needed`
 * distinct seats (a seat dropping twice counts once). `sorted` must be sorted by `from`. One pass:
 * each drop enters and leaves the window once, so a room with many reconnects costs n, not n².
 * Shared by the deadline sweep's hold (presence.ts seatsInOutage) and the proctor console's
 * proposal (proctoring outage.ts findOutage), so the seats held and the seats proposed are found
 * by the same grouping.
 */
export function* outageWindows(
  sorted: readonly DropStart[],
  needed: number,
  windowMs: number,
): Generator<OutageWindow, void, undefined> {
  const dropsBySeat = new Map<string, number>();
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const first = sorted[start];
    if (!first) continue;
    // Widen the window [start, end) to every drop starting within `windowMs` of this one.
    for (let next = sorted[end]; next && next.from - first.from <= windowMs; next = sorted[++end])
      dropsBySeat.set(next.attemptId, (dropsBySeat.get(next.attemptId) ?? 0) + 1);
    if (dropsBySeat.size >= needed) yield { start, end, seats: dropsBySeat.size };
    // This drop leaves the window before the next one starts it.
    const left = (dropsBySeat.get(first.attemptId) ?? 1) - 1;
    if (left === 0) dropsBySeat.delete(first.attemptId);
    else dropsBySeat.set(first.attemptId, left);
  }
}
