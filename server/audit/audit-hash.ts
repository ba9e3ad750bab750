import { createHash } from "node:crypto";
import { setOwn, wellFormed } from "../lib/well-formed.js";

/** The hash the first entry links to. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields an entry's hash covers: everything but the hash itself. */
export interface HashedFields {
  seq: number;
  at: Date;
  action: string;
  actor: { id: string; kind: string; name: string };
  divisionCode: string | null;
  target: { type: string; id: string } | null;
  details: unknown;
  prevHash: string;
}

/**
 * JSON with object keys sorted at every level, so the hash does not depend on the key order a
 * database hands back. Dates become ISO strings; undefined members are dropped, as BSON drops them.
 * Entries are hashed only after `sealEntry` made their text storable.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalise(v)));
  if (value && typeof value === "object") {
    const hex = (value as { toHexString?: () => string }).toHexString;
    if (typeof hex === "function") return hex.call(value);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) setOwn(out, key, normalise(v));
    }
    return out;
  }
  return value;
}

/** SHA-256 over the canonical form of an entry's fields (hex). */
export function entryHash(fields: HashedFields): string {
  const { seq, at, action, actor, divisionCode, target, details, prevHash } = fields;
  return createHash("sha256")
    .update(canonicalJson({ seq, at, action, actor, divisionCode, target, details, prevHash }))
    .digest("hex");
}

/**
 * The one way an entry is made: its fields normalised to what the database will hand back
 * (well-formed strings) and the hash over exactly those fields. Store `fields` and `hash` as
 * returned, never the input. The database stores UTF-8, which cannot hold a lone UTF-16
 * surrogate, so it silently stores U+FFFD: an entry hashed over the text *as received* read back
 * different and the chain reported it as edited — any anonymous login could break the evidence.
 */
export function sealEntry<F extends HashedFields>(input: F): { fields: F; hash: string } {
  const fields = wellFormed(input);
  return { fields, hash: entryHash(fields) };
}

export interface ChainProblem {
  seq: number;
  kind: "edited" | "deleted" | "broken_link";
  message: string;
}

/** How many problems a verification lists; it counts all of them. */
export const MAX_REPORTED_PROBLEMS = 200;

/**
 * Walks entries in sequence order, fed one at a time (verification reads the log page by page, so
 * memory does not grow with the log), and names every entry that was edited (its hash no longer
 * matches its content), deleted (a gap in the sequence, or missing entries after the last one when
 * `headSeq` says more were written) or relinked (its prevHash does not match its predecessor).
 * A run of deleted entries is one problem, and only the first MAX_REPORTED_PROBLEMS are listed:
 * a forged sequence number or a wiped log once meant one line per missing number, a loop and an
 * answer as large as the number the forger chose.
 */
export function chainChecker(maxReported = MAX_REPORTED_PROBLEMS) {
  const problems: ChainProblem[] = [];
  let problemCount = 0;
  let checked = 0;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;

  function report(problem: ChainProblem): void {
    problemCount++;
    if (problems.length < maxReported) problems.push(problem);
  }
  function deleted(from: number, to: number): void {
    if (to < from) return;
    report({
      seq: from,
      kind: "deleted",
      message:
        from === to
          ? `审计记录 #${from} 已被删除`
          : `审计记录 #${from} 至 #${to} 已被删除（共 ${to - from + 1} 条）`,
    });
  }

  return {
    feed(e: HashedFields & { hash: string }): void {
      checked++;
      deleted(expectedSeq, e.seq - 1);
      const gap = e.seq !== expectedSeq;
      if (entryHash(e) !== e.hash) {
        report({ seq: e.seq, kind: "edited", message: `审计记录 #${e.seq} 的内容已被篡改` });
      } else if (!gap && e.prevHash !== prevHash) {
        report({ seq: e.seq, kind: "broken_link", message: `审计记录 #${e.seq} 与前一条记录的链接不一致` });
      }
      prevHash = e.hash;
      expectedSeq = e.seq + 1;
    },
    finish(headSeq: number): { checked: number; problems: ChainProblem[]; problemCount: number } {
      deleted(expectedSeq, headSeq);
      return { checked, problems, problemCount };
    },
  };
}

/** The whole verdict over entries already in memory (tests and small chains). */
export function findChainProblems(
  entries: (HashedFields & { hash: string })[],
  headSeq: number,
): ChainProblem[] {
  const checker = chainChecker();
  for (const e of entries) checker.feed(e);
  return checker.finish(headSeq).problems;
}
