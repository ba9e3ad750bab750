import { MAX_PAPER_QUESTIONS } from "../contracts/exams.js";
import { errors } from "../lib/errors.js";
import type { Plan } from "./attempt-store.js";
import { answerData, flagData } from "./event-chain.js";
import type { AttemptLean } from "./presenters.js";
import { hasReceived, recordSeq } from "./received-seqs.js";

/**
 * What one save decides from the attempt as read, with no I/O: whether its seq is new, a repeat or
 * refused, and the guarded update that applies it. The writes and the hand-in are answers.ts's.
 */

/**
 * The most chain events an attempt takes from saves. A sitting changes its answers a few times per
 * question; a script changing them in a loop grew the attempt toward MongoDB's 16 MB document limit,
 * past which nothing of it, its grading included, could be written. At about 250 bytes an event
 * this keeps the chain near 5 MB.
 */
export const MAX_SAVE_EVENTS = 20_000;

/** The most seqs listed as arrived out of order (a real page has a handful; see received-seqs.ts). */
export const MAX_OUT_OF_ORDER = 1_000;

export const savesExhausted = () =>
  errors.conflict("saves_exhausted", "本场考试的作答保存次数已达上限，请举手联系监考员");

export type SaveInput = { seq: number; index: number } & ({ choice: string[] } | { flagged: boolean });

/** The dotted paths of one answer slot. */
interface SlotPaths {
  readonly choice: string;
  readonly seq: string;
  readonly flagged: string;
  readonly flagSeq: string;
}

const slotPaths: SlotPaths[] = [];

/**
 * The paths of answer slot `index`, made once per slot and then reused: a save built three key
 * strings of its own before (issue 17).
 */
export function pathsOf(index: number): SlotPaths {
  const kept = slotPaths[index];
  if (kept) return kept;
  const made: SlotPaths = Object.freeze({
    choice: `answers.${index}.choice`,
    seq: `answers.${index}.seq`,
    flagged: `answers.${index}.flagged`,
    flagSeq: `answers.${index}.flagSeq`,
  });
  if (Number.isInteger(index) && index >= 0 && index < MAX_PAPER_QUESTIONS) slotPaths[index] = made;
  return made;
}

/** The options chosen, each once and in order (one option, the usual answer, needs neither step). */
export function sortedChoice(choice: readonly string[]): string[] {
  return choice.length < 2 ? choice.slice() : [...new Set(choice)].sort();
}

export const seqConflict = (lastSeq: number) =>
  errors.conflict("seq_conflict", "该作答的序号已被另一作答占用，请重新保存", { lastSeq });

/**
 * How a save meets what its question holds: null when its seq is above the stored one (a new
 * save, applied), else the stored seq it is acknowledged with and not applied: a repeat of the
 * stored save, or an older one (a newer save already won; when its seq was received before, the
 * caller asks the chain whether it was this save, `isChainedSave`). One seq names one save: the
 * stored seq carrying another answer or flag than the save is no repeat, nor is a seq already
 * received arriving above what its question holds (the save it named was another question's or
 * the other kind's). Two pages numbered different saves alike (one synced before the other's
 * save landed); acknowledging it showed the page's answer as saved while the server held the
 * other, so it is refused `seq_conflict` with the highest seq received, after which the page
 * numbers its save anew. Expects the slot to exist (`question_out_of_range` first).
 */
export function storedSaveFor(doc: AttemptLean, input: SaveInput): number | null {
  const slot = doc.answers[input.index];
  const isFlag = "flagged" in input;
  const stored = (isFlag ? slot?.flagSeq : slot?.seq) ?? 0;
  if (stored < input.seq) {
    if (receivedBy(doc, input.seq)) throw seqConflict(doc.lastSeq);
    return null;
  }
  if (stored === input.seq) {
    const same = isFlag
      ? (slot?.flagged ?? false) === input.flagged
      : sameChoice(slot?.choice ?? [], sortedChoice(input.choice));
    if (!same) throw seqConflict(doc.lastSeq);
  }
  return stored;
}

/** Whether `seq` was received already (an attempt read without its received seqs: none). */
function receivedBy(doc: Pick<AttemptLean, "seen" | "seenUpTo">, seq: number): boolean {
  return hasReceived({ seen: doc.seen ?? [], seenUpTo: doc.seenUpTo }, seq);
}

/**
 * The filter terms saying `seq` is not received yet: the seq rule (`storedSaveFor`) decides on a
 * read, and a seq recorded as received leaves the chain head as it was (`repeated`), so the write
 * that takes the seq restates it. A document from before the watermark has no `seenUpTo` (0).
 */
export function notReceivedFilter(seq: number): {
  seen: { $ne: number };
  seenUpTo: { $not: { $gte: number } };
} {
  return { seen: { $ne: seq }, seenUpTo: { $not: { $gte: seq } } };
}

function sameChoice(stored: readonly string[], sorted: readonly string[]): boolean {
  return stored.length === sorted.length && stored.every((option, i) => option === sorted[i]);
}

/**
 * The update of one save that its decision allows (the attempt in progress and accepting saves,
 * not paused, the slot's stored seq older than `input.seq`): applied only while all of that still
 * holds, so the filter restates it. Every object starts as a literal of fixed keys and gets its
 * per-question key by assignment, with no spreads: object literals with computed keys and
 * spreads of them cost the node several microseconds per save (issue 17). The keys come in the
 * order the update always had.
 */
export function savePlan(doc: AttemptLean, input: SaveInput, at: Date, grace: number): Plan {
  const paths = pathsOf(input.index);
  const isFlag = "flagged" in input;
  const seqPath = isFlag ? paths.flagSeq : paths.seq;
  const filter: Record<string, unknown> = {
    status: "in_progress",
    pausedAt: null,
    deadline: { $gte: new Date(at.getTime() - grace * 1000) },
  };
  filter[seqPath] = { $lt: input.seq };
  // One seq names one save: decided on a read that may be this instance's copy, so restated here.
  const unreceived = notReceivedFilter(input.seq);
  filter.seen = unreceived.seen;
  filter.seenUpTo = unreceived.seenUpTo;
  // The candidate's own events: a proctor's changes have a budget of their own (attempt-controls.ts),
  // so a console looping an action cannot spend the candidate's saves.
  if (doc.chainN - (doc.controlEvents ?? 0) >= MAX_SAVE_EVENTS) throw savesExhausted();
  // The seq joins the received ones (submit waits for them) in the same update.
  const received = recordSeq(doc, input.seq);
  if (received?.addToSet && doc.seen.length >= MAX_OUT_OF_ORDER) throw savesExhausted();
  const max: Record<string, number> = { lastSeq: input.seq };
  if (received?.max) max.seenUpTo = received.max.seenUpTo;
  const set: Record<string, unknown> = {};
  let event: Plan["event"];
  // Made by the chain's builders, which know the data's canonical text as they make it: the
  // chain hash then writes it without walking the data (event-chain.ts).
  if (isFlag) {
    set[paths.flagged] = input.flagged;
    event = { type: "flag", data: flagData(input.flagged, input.index, input.seq) };
  } else {
    const choice = sortedChoice(input.choice);
    set[paths.choice] = choice;
    event = { type: "answer", data: answerData(choice, input.index, input.seq) };
  }
  set[seqPath] = input.seq;
  return {
    filter,
    set,
    addToSet: received?.addToSet,
    pullUpTo: received?.pullUpTo,
    max,
    event,
  };
}
