import type { z } from "zod";
import { AnswerPayload, MAX_PAPER_QUESTIONS } from "../contracts/exams.js";

/** The highest question index a save may name (`AnswerPayload`'s). */
const MAX_INDEX = MAX_PAPER_QUESTIONS - 1;

/** Option keys an answer may name (`AnswerPayload`'s choice enum). */
const CHOICE_KEYS: ReadonlySet<unknown> = new Set(["A", "B", "C", "D", "T", "F"]);

/**
 * `AnswerPayload`'s parse of what the wire carries for `attempt:answer`, a plain object with its
 * four keys and nothing else, each right, or undefined: zod's parse was a microsecond of every
 * save (issue 17). Odd values (other prototypes, arrays of another kind, inherited or extra keys)
 * are left to zod. Its limits are the schema's (test/unit/exams/answer-payload-check.test.ts
 * compares the two); a change of the schema must change them too.
 */
export function exactAnswerPayload(payload: unknown): z.infer<typeof AnswerPayload> | undefined {
  if (typeof payload !== "object" || payload === null || Object.getPrototypeOf(payload) !== Object.prototype)
    return undefined;
  // Exactly its four keys, each its own (a field read through the prototype, or a key zod would
  // call unrecognized, goes to zod).
  let keys = 0;
  for (const key in payload) {
    if (key !== "attemptId" && key !== "seq" && key !== "index" && key !== "choice") return undefined;
    if (!Object.prototype.hasOwnProperty.call(payload, key)) return undefined;
    keys += 1;
  }
  if (keys !== 4) return undefined;
  const { attemptId, seq, index, choice } = payload as Record<string, unknown>;
  if (typeof attemptId !== "string" || attemptId.length < 1 || attemptId.length > 64) return undefined;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 1 || seq > 1_000_000) return undefined;
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > MAX_INDEX)
    return undefined;
  if (!Array.isArray(choice) || Object.getPrototypeOf(choice) !== Array.prototype || choice.length > 4)
    return undefined;
  const chosen: z.infer<typeof AnswerPayload>["choice"] = [];
  for (let i = 0; i < choice.length; i++) {
    const key: unknown = choice[i];
    if (!CHOICE_KEYS.has(key)) return undefined;
    chosen.push(key as (typeof chosen)[number]);
  }
  // The schema's key order: the parsed value is a new object, as zod's is.
  return { attemptId, seq, index, choice: chosen };
}
