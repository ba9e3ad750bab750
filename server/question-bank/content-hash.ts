import { createHash } from "node:crypto";

/**
 * The versions that stand for a question in the bank: its published one and the draft or version
 * in review beside it. Superseded versions are history, retired ones are out of the bank.
 */
export const LIVE_STATUSES = ["draft", "in_review", "published"] as const;

/** Text as a candidate reads it: width (NFKC), runs of spacing and the ends evened out. */
function reads(text: string): string {
  return text.normalize("NFKC").replace(/\s+/g, " ").trim();
}

/**
 * The hash's generation, the prefix of every hash it writes. Hashes of the first generation
 * (32 hex digits, options paired with their letters) are found by their form and recomputed by
 * backfillContentHashes at the node's start and before a CLI import.
 */
export const CONTENT_HASH_PREFIX = "2:";

/** A hash stored before the current generation (or none): the backfill's filter. */
export const STALE_CONTENT_HASH = { $in: [null, /^[0-9a-f]{32}$/] };

/**
 * What makes two questions the same question to a candidate: type, stem and the set of option
 * texts, as they read. Papers shuffle options (assembly.ts), so the letters say nothing: the same
 * question with its options in another order (its key letter moved to match) is the same question
 * and must not be drawn twice into one paper. Stored on every version (`contentHash`, indexed) so
 * an import finds a question the bank holds under another ref with one indexed lookup instead of
 * reading the bank. The answer is left out: the same question with another answer is still a
 * second copy of it (one of them wrong), and must be refused as one.
 */
export function questionContentHash(q: {
  type: string;
  stem: string;
  options: readonly { key: string; text: string }[];
}): string {
  // Sorted by code unit, not by locale: the same set hashes the same on every node.
  const options = q.options.map((o) => reads(o.text)).sort();
  return (
    CONTENT_HASH_PREFIX +
    createHash("sha256")
      .update(JSON.stringify([q.type, reads(q.stem), options]), "utf8")
      .digest("hex")
      .slice(0, 32)
  );
}
