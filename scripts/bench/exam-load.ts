/**
 * The candidates' side of `bench:exam`: batches of connections and the fixed-schedule answering
 * (`drive`) shared by the exam node's run and the ack-echo baseline.
 */
import type { Connection } from "mongoose";
import type { Ack } from "../../server/contracts/errors.js";
import type { AnswerPayload } from "../../server/contracts/exams.js";
import { anOfferedChoice, type OfferedQuestion } from "./exam-choices.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one save from candidate `i`'s socket and waits for its ack. */
export type Save = (i: number, payload: AnswerPayload) => Promise<Ack<unknown>>;

export async function inBatches<T>(
  items: T[],
  size: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size)
    await Promise.all(items.slice(i, i + size).map((x, j) => fn(x, i + j)));
}

export interface Load {
  saves: number;
  latencies: number[];
  durationMs: number;
  lost: number;
}

/**
 * Drives each socket with K answers on a fixed 10 s schedule; unacknowledged saves stay in a
 * journal and are retried (as the exam page does). `papers[i]` is candidate i's paper as it
 * received it: each answer is one of the keys its question offers (the server refuses any other
 * `invalid_choice`, which a run would count as saves never acknowledged).
 */
export async function drive(
  save: Save,
  sockets: number,
  attemptIds: string[],
  k: number,
  intervalMs: number,
  papers: readonly (readonly OfferedQuestion[])[],
): Promise<Load & { intended: Map<number, string[]>[]; steady: number[] }> {
  // Refused before any save is sent: a candidate without its paper has nothing it may answer.
  const missing = Array.from({ length: sockets }, (_s, i) => i).filter((i) => !papers[i]?.length);
  if (missing.length) throw new Error(`no paper for ${missing.length} of ${sockets} candidates`);
  const latencies: number[] = [];
  const steady: number[] = [];
  let saves = 0;
  const t0 = Date.now();
  const intended = Array.from({ length: sockets }, () => new Map<number, string[]>());
  await Promise.all(
    Array.from({ length: sockets }, async (_s, i) => {
      const offset = Math.floor((i / sockets) * intervalMs);
      await sleep(offset);
      const journal = new Map<number, { index: number; choice: AnswerPayload["choice"] }>();
      const paper = papers[i] ?? [];
      for (let n = 1; n <= k; n++) {
        const index = (n * 7 + i) % paper.length;
        const question = paper[index];
        if (!question) throw new Error(`candidate ${i}: no question ${index}`);
        const choice = anOfferedChoice(question, n + i);
        journal.set(n, { index, choice });
        intended[i]?.set(index, choice);
        for (const [seq, e] of [...journal.entries()].sort((a, b) => a[0] - b[0])) {
          const started = performance.now();
          try {
            const ack = await save(i, {
              attemptId: attemptIds[i] ?? "",
              seq,
              index: e.index,
              choice: e.choice,
            });
            latencies.push(performance.now() - started);
            if (n > 1) steady.push(performance.now() - started);
            if (ack.ok) {
              journal.delete(seq);
              saves++;
            }
          } catch {
            // timed out: stays in the journal for the next round
          }
        }
        const next = t0 + offset + n * intervalMs;
        if (n < k) await sleep(Math.max(0, next - Date.now()));
      }
    }),
  );
  return { saves, latencies, steady, durationMs: Date.now() - t0, lost: 0, intended };
}

/**
 * The capacity mode's sender: re-saves of candidate i's own answers (same choices, newer seqs
 * taken from `seqs`, which it advances), so the "lost" check still compares against what the
 * scheduled run intended. Resolves true when the save was acknowledged ok.
 */
export function resaver(
  save: Save,
  seqs: number[],
  intended: Map<number, string[]>[],
  attemptIds: string[],
  k: number,
): (i: number) => Promise<boolean> {
  const rounds = seqs.map(() => 0);
  const answered = intended.map((m) => [...m.entries()]);
  return async (i) => {
    const mine = answered[i] ?? [];
    const round = rounds[i] ?? 0;
    rounds[i] = round + 1;
    // Only answers the scheduled run gave (keys their questions offer), never a made-up one.
    const entry = mine[round % Math.max(1, mine.length)];
    if (!entry) throw new Error(`candidate ${i} gave no answer to save again`);
    const [index, choice] = entry;
    const seq = seqs[i] ?? k + 1;
    seqs[i] = seq + 1;
    const ack = await save(i, { attemptId: attemptIds[i] ?? "", seq, index, choice: choice as never });
    return ack.ok;
  };
}

/** The p-th percentile of ascending `sorted` (0 when empty). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Final choices the run intended (`intended[i]`: question index → choice of candidate i) that
 * the database does not hold after hand-in.
 */
export async function countLost(
  conn: Connection,
  attemptIds: string[],
  intended: Map<number, string[]>[],
): Promise<number> {
  // 100 ids a query: the stand-in walks a `$in` list per document (5,000 ids held it 12 s).
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < attemptIds.length; i += 100) {
    const ids = attemptIds.slice(i, i + 100) as never[];
    docs.push(
      ...(await conn
        .collection("exam_attempts")
        .find({ _id: { $in: ids } }, { projection: { answers: 1 } })
        .toArray()),
    );
  }
  const byId = new Map(docs.map((d) => [String(d._id), d as unknown as { answers: { choice: string[] }[] }]));
  let lost = 0;
  attemptIds.forEach((id, i) => {
    for (const [index, choice] of intended[i] ?? []) {
      if (JSON.stringify(byId.get(id)?.answers[index]?.choice ?? []) !== JSON.stringify([...choice].sort()))
        lost++;
    }
  });
  return lost;
}
