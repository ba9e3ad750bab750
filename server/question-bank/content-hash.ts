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
 * What makes two questions the same question to a candidate: type, stem and options (by key), as
 * they read. Stored on every version (`contentHash`, indexed) so an import finds a question the
 * bank holds under another ref with one indexed lookup instead of reading the bank. The answer is
 * left out: the same question with another answer is still a second copy of it (one of them wrong).
 */
export function questionContentHash(q: {
  type: string;
  stem: string;
  options: readonly { key: string; text: string }[];
}): string {
  const options = [...q.options]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((o) => [o.key, reads(o.text)]);
  return createHash("sha256")
    .update(JSON.stringify([q.type, reads(q.stem), options]), "utf8")
    .digest("hex")
    .slice(0, 32);
}
