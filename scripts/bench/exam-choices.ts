/**
 * Answers a candidate may really give: keys among those its question offers, as the server checks
 * them on every save (server/exams/choice-check.ts refuses any other `invalid_choice`). Shared by
 * `bench:exam`'s load generator and the exam tests, which answer from the paper they received.
 */
import { AnswerPayload } from "../../server/contracts/exams.js";
import type { CandidateQuestion } from "../../server/contracts/paper.js";
import { offeredKeys } from "../../server/exams/index.js";

type Choice = AnswerPayload["choice"];
type Key = Choice[number];

/** What an answer to a question may name: its type and the options it shows. */
export type OfferedQuestion = Pick<CandidateQuestion, "type" | "options">;

const ContractKey = AnswerPayload.shape.choice.element;
/** Each question's keys, worked out once: the generator answers every save from them. */
const keysOf = new WeakMap<OfferedQuestion, Key[]>();

/** The keys `q` offers, as the server checks them (offeredKeys), typed as a save names them. */
function offeredKeysOf(q: OfferedQuestion): Key[] {
  const known = keysOf.get(q);
  if (known) return known;
  const keys = offeredKeys(q).map((k) => {
    const key = ContractKey.safeParse(k);
    // A letter the save contract cannot carry would be refused before the check: say so here.
    if (!key.success) throw new Error(`option key ${JSON.stringify(k)} is not one a save can name`);
    return key.data;
  });
  keysOf.set(q, keys);
  return keys;
}

/**
 * The `n`-th of `q`'s one-key answers (n ≥ 0, cycling through the keys it offers): one key fits
 * every type, so a run's saves stay the same size whatever the paper holds.
 */
export function anOfferedChoice(q: OfferedQuestion, n: number): Choice {
  const keys = offeredKeysOf(q);
  const key = keys[Math.abs(Math.trunc(n)) % Math.max(1, keys.length)];
  if (key === undefined) throw new Error(`question of type ${q.type} offers no key`);
  return [key];
}

/**
 * Every answer of a few shapes `q` offers: each key alone and, on a multiple-choice question, each
 * pair of neighbouring keys and all its keys (at most 8 answers).
 */
export function offeredChoices(q: OfferedQuestion): Choice[] {
  const keys = offeredKeysOf(q);
  const out: Choice[] = keys.map((key) => [key]);
  if (q.type !== "multiple" || keys.length < 2) return out;
  for (let i = 0; i + 1 < keys.length; i++) out.push(keys.slice(i, i + 2));
  if (keys.length > 2) out.push(keys);
  return out;
}
