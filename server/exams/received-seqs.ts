/**
 * Which save seqs an attempt has received (hand-in waits for the missing ones), kept bounded.
 *
 * Stored as a watermark and a short list: every seq 1..`seenUpTo` arrived, and `seen` holds the
 * seqs above it that arrived out of order. A candidate's saves come nearly in order, so the list
 * stays a few entries long however many saves the attempt takes. It used to hold every seq: each
 * save copied the whole list, in this node's copy and in the database, so a save cost more the
 * more saves came before it (issue 17).
 *
 * Old documents need no migration: one without `seenUpTo` reads as watermark 0 with every seq in
 * the list, which is exactly what it records; its next save folds the list into the watermark.
 *
 * Every change is expressed with operators that only ever add truth (`$max` of a watermark whose
 * seqs all arrived, `$pull` of list entries that watermark covers, `$addToSet` of an arrived seq),
 * so two writers deciding on the same read, in either order, never lose a seq: no change here
 * needs the read to still be current.
 */
export interface ReceivedSeqs {
  seen: readonly number[];
  seenUpTo?: number | null;
}

/** The update recording one more received seq: at most one operator per field, as MongoDB requires. */
export interface SeqRecord {
  addToSet?: { seen: number };
  max?: { seenUpTo: number };
  pullUpTo?: { seen: number };
}

/** Whether `seq` was already received. */
export function hasReceived(r: ReceivedSeqs, seq: number): boolean {
  return seq <= (r.seenUpTo ?? 0) || r.seen.includes(seq);
}

/**
 * The update that records `seq` as received, or null when it already was. When `seq` closes the
 * gap above the watermark (or an old document's list starts at 1), the watermark moves over every
 * contiguous seq and the list drops what it now covers; otherwise `seq` joins the list (a list
 * cannot be added to and pulled from in one update, so folding then waits for the gap's seq).
 */
export function recordSeq(r: ReceivedSeqs, seq: number): SeqRecord | null {
  if (hasReceived(r, seq)) return null;
  let upTo = r.seenUpTo ?? 0;
  // The usual save: nothing out of order is listed, so the watermark moves to `seq` when it is
  // the next one, and `seq` is listed otherwise (what the general rule below gives, without a Set).
  if (r.seen.length === 0)
    return seq === upTo + 1
      ? { max: { seenUpTo: seq }, pullUpTo: { seen: seq } }
      : { addToSet: { seen: seq } };
  const received = new Set(r.seen).add(seq);
  while (received.has(upTo + 1)) upTo += 1;
  if (upTo < seq) return { addToSet: { seen: seq } };
  return { max: { seenUpTo: upTo }, pullUpTo: { seen: upTo } };
}

/** Seqs ≤ `upTo` never received, at most 1,000 (the client replays them from its journal). */
export function missingSeqsOf(r: ReceivedSeqs, upTo: number): number[] {
  const seen = new Set(r.seen);
  const missing: number[] = [];
  for (let s = (r.seenUpTo ?? 0) + 1; s <= upTo && missing.length < 1000; s++)
    if (!seen.has(s)) missing.push(s);
  return missing;
}
