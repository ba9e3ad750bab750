import type { mongo } from "mongoose";
import { MAX_PAPER_QUESTIONS, type CandidateAttemptDto, type SaveAckDto } from "../contracts/exams.js";
import { errors } from "../lib/errors.js";
import { assertChoiceFits } from "./choice-check.js";
import { acceptsSaves, clockOf } from "./clock.js";
import { closedError, pausedError, type ExamCore } from "./exam-core.js";
import type { Plan } from "./attempt-store.js";
import { clockParts, missingSeqs, type AttemptLean } from "./presenters.js";
import { hasReceived, recordSeq } from "./received-seqs.js";

/**
 * The most chain events an attempt takes from saves. A sitting changes its answers a few times per
 * question; a script changing them in a loop grew the attempt toward MongoDB's 16 MB document limit,
 * past which nothing of it, its grading included, could be written. At about 250 bytes an event
 * this keeps the chain near 5 MB.
 */
export const MAX_SAVE_EVENTS = 20_000;

/** The most seqs listed as arrived out of order (a real page has a handful; see received-seqs.ts). */
export const MAX_OUT_OF_ORDER = 1_000;

/**
 * Seqs a hand-in waits for beyond the highest one received: saves the page sent just before it,
 * still on their way. The page settles its journal before it hands in, so a last seq further ahead
 * names saves never sent (or made up): waiting cannot bring them, and the page is told at once
 * which are missing (`saves_pending`), then sends them and hands in again.
 */
export const MAX_SAVES_IN_FLIGHT = 100;

const savesPending = (missing: number[]) =>
  errors.conflict("saves_pending", "仍有答案未保存，请稍候重试", { missing });

const savesExhausted = () =>
  errors.conflict("saves_exhausted", "本场考试的作答保存次数已达上限，请举手联系监考员");

export type SaveInput = { seq: number; index: number } & ({ choice: string[] } | { flagged: boolean });

function saveAck(
  doc: AttemptLean,
  at: Date,
  index: number,
  seq: number,
  savedSeq: number,
  applied: boolean,
): SaveAckDto {
  const v = clockOf(clockParts(doc), at);
  return {
    attemptId: doc._id,
    index,
    seq,
    savedSeq,
    applied,
    serverTime: v.serverTime,
    deadline: v.deadline,
    paused: v.paused,
    remainingMs: v.remainingMs,
    version: doc.chainN,
  };
}

/** Ignores how a promise settled (a hand-in waits for the one before it, whatever its outcome). */
function settled(): void {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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

const seqConflict = (lastSeq: number) =>
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
  if (isFlag) {
    set[paths.flagged] = input.flagged;
    event = { type: "flag", data: { index: input.index, flagged: input.flagged, seq: input.seq } };
  } else {
    const choice = sortedChoice(input.choice);
    set[paths.choice] = choice;
    // Keys in sorted order: the chain hash then writes the data with one JSON.stringify.
    event = { type: "answer", data: { choice, index: input.index, seq: input.seq } };
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

/** The candidate's saves (answers and flags, ordered by seq) and hand-in. */
export function createAnswers(
  core: ExamCore,
  deps: {
    view: (attemptId: string) => Promise<CandidateAttemptDto>;
    /** Closes the attempt: the candidate's hand-in, or at its deadline when handed in too late. */
    close: (attemptId: string, reason: "candidate" | "deadline") => Promise<boolean>;
  },
) {
  const { store, seats, grace, now } = core;

  /**
   * Saves one answer or flag. Idempotent and ordered: the update applies only while the stored seq
   * of that question is older (`answers.i.seq < seq`), so a repeat is acknowledged and not applied
   * and an older save never overwrites a newer one, whatever order they arrive in.
   */
  function save(attemptId: string, input: SaveInput): Promise<SaveAckDto> {
    // A plain function and one `then`, not an async task: an async frame held across the write was a
    // kilobyte of every save's garbage (issue 17). The rare repeat goes to `repeated`.
    return store.serial(attemptId, () => {
      let stale: { doc: AttemptLean; stored: number } | null = null;
      return store
        .mutate(
          attemptId,
          (doc, at) => {
            if (doc.status !== "in_progress" || !acceptsSaves(doc.deadline ?? null, at, grace))
              throw closedError();
            if (doc.pausedAt) throw pausedError();
            if (!doc.answers[input.index])
              throw errors.badRequest("question_out_of_range", "题号超出试卷范围");
            // Against the paper as cached (no read on the save path); a paper not cached here
            // (just after a restart, before the page's view cached it) is not checked.
            const question =
              "choice" in input ? core.papers.cachedQuestion(attemptId, input.index) : undefined;
            if (question && "choice" in input) assertChoiceFits(question, input.choice);
            const stored = storedSaveFor(doc, input);
            if (stored !== null) {
              stale = { doc, stored };
              return null;
            }
            return savePlan(doc, input, at, grace);
          },
          // Numbers, sorted strings and the flag only: nothing for mongoose to cast.
          { cached: true, uncast: true },
        )
        .then((res) => {
          if (!res.event) return repeated(attemptId, input, res.at, stale);
          seats.seat(attemptId, true, res.after ?? undefined);
          return saveAck(res.before, res.at, input.index, input.seq, input.seq, true);
        });
    });
  }

  /**
   * A repeat or an older seq: remembered as arrived (submit waits for it), nothing else changed.
   * `stale` is what the save's decision found on a fresh read; none means the attempt refused.
   * A seq received before, below what its question holds, is acknowledged only when the chain
   * shows it named this very save (a resend of one since superseded); otherwise it named another
   * save, and acknowledging it as superseded hid the page's answer behind the other page's
   * (`seq_conflict`). A seq new to the attempt is recorded only while it still is, in the same
   * write: taken meanwhile (another instance), it is decided again.
   */
  async function repeated(
    attemptId: string,
    input: SaveInput,
    at: Date,
    stale: { doc: AttemptLean; stored: number } | null,
  ): Promise<SaveAckDto> {
    if (!stale) throw closedError();
    const { doc, stored } = stale;
    const received = recordSeq({ seen: doc.seen ?? [], seenUpTo: doc.seenUpTo }, input.seq);
    if (!received) {
      if (stored > input.seq && !(await isChainedSave(attemptId, input))) throw seqConflict(doc.lastSeq);
      return saveAck(doc, at, input.index, input.seq, stored, false);
    }
    // A seq below the slot's is not applied, but a new one is still listed: bounded like any other.
    if (received.addToSet && (doc.seen ?? []).length >= MAX_OUT_OF_ORDER) throw savesExhausted();
    // Only while the attempt is open: a close landing since the read took the attempt's last
    // write, and recording the seq then told the candidate "received" of a closed attempt.
    const res = await store.Attempts.updateOne(
      { _id: attemptId, status: "in_progress", ...notReceivedFilter(input.seq) },
      {
        $max: { lastSeq: input.seq, ...received.max },
        ...(received.addToSet && { $addToSet: received.addToSet }),
        ...(received.pullUpTo && { $pull: { seen: { $lte: received.pullUpTo.seen } } }),
      },
    );
    if (res.matchedCount === 1) return saveAck(doc, at, input.index, input.seq, stored, false);
    const fresh = await store.load(attemptId);
    if (fresh.status !== "in_progress") throw closedError();
    // Received now, so never new: a seq taken meanwhile above the slot's stored one is refused here.
    const again = storedSaveFor(fresh, input);
    if (again === null) throw seqConflict(fresh.lastSeq);
    return repeated(attemptId, input, at, { doc: fresh, stored: again });
  }

  /** Whether the attempt's chain holds this very save under its seq (an answer or flag applied then). */
  async function isChainedSave(attemptId: string, input: SaveInput): Promise<boolean> {
    const named: Record<string, unknown> =
      "flagged" in input
        ? { type: "flag", "data.seq": input.seq, "data.index": input.index, "data.flagged": input.flagged }
        : {
            type: "answer",
            "data.seq": input.seq,
            "data.index": input.index,
            "data.choice": sortedChoice(input.choice),
          };
    const raw = store.Attempts.collection as unknown as mongo.Collection<{ _id: string }>;
    return (await raw.countDocuments({ _id: attemptId, events: { $elemMatch: named } }, { limit: 1 })) > 0;
  }

  /**
   * Hand-ins waiting for their saves, one per attempt: a page (or a script) sending
   * `attempt:submit` again and again polled the attempt once more per copy, every 50 ms for up to
   * `submitWaitMs`. A repeat with the same last seq shares the running one's outcome; one with
   * another last seq runs after it.
   */
  const handIns = new Map<string, { lastSeq: number; done: Promise<CandidateAttemptDto> }>();

  /** Candidate hand-in (交卷), one running per attempt (see `handIns` and `handIn`). */
  function submitByCandidate(attemptId: string, lastSeq: number): Promise<CandidateAttemptDto> {
    const running = handIns.get(attemptId);
    if (running?.lastSeq === lastSeq) return running.done;
    const after = running ? running.done.then(settled, settled) : Promise.resolve();
    const done = after.then(() => handIn(attemptId, lastSeq));
    handIns.set(attemptId, { lastSeq, done });
    const clear = () => {
      if (handIns.get(attemptId)?.done === done) handIns.delete(attemptId);
    };
    done.then(clear, clear);
    return done;
  }

  /**
   * Waits until every seq up to `lastSeq` has arrived (so the last autosave and the submit never
   * collide), refuses before the earliest hand-in time, then closes.
   */
  async function handIn(attemptId: string, lastSeq: number): Promise<CandidateAttemptDto> {
    const started = Date.now();
    let reason: "candidate" | "deadline" = "candidate";
    for (;;) {
      const doc = await store.load(attemptId);
      if (doc.status === "submitted" || doc.status === "submitting" || doc.status === "voided")
        return deps.view(attemptId);
      if (doc.status !== "in_progress") throw errors.conflict("attempt_not_started", "考试尚未开始");
      if (doc.pausedAt) throw pausedError();
      // Past the deadline and its grace no save can arrive any more, and the sweeper would close
      // it at the deadline: a hand-in then, before the sweeper came, is that same close (its
      // saves are all in), not the candidate's own.
      if (!acceptsSaves(doc.deadline ?? null, now(), grace)) {
        reason = "deadline";
        break;
      }
      const earliest = (doc.startedAt?.getTime() ?? 0) + (doc.earliestHandInMinutes ?? 0) * 60_000;
      if (now().getTime() < earliest) {
        throw errors.conflict("too_early", `开考 ${doc.earliestHandInMinutes} 分钟内不得交卷`, {
          earliestSubmitAt: earliest,
        });
      }
      const missing = missingSeqs(doc, lastSeq);
      if (missing.length === 0) break;
      if (
        lastSeq - (doc.lastSeq ?? 0) > MAX_SAVES_IN_FLIGHT ||
        Date.now() - started >= core.opts.submitWaitMs
      )
        throw savesPending(missing);
      await sleep(50);
    }
    if (!(await deps.close(attemptId, reason))) {
      // Not claimed: closed by someone else meanwhile (the view says so), or paused since the read.
      const current = await store.load(attemptId);
      if (current.status === "in_progress" && current.pausedAt) throw pausedError();
    }
    return deps.view(attemptId);
  }

  return {
    saveAnswer: (attemptId: string, p: { seq: number; index: number; choice: string[] }) =>
      save(attemptId, p),
    saveFlag: (attemptId: string, p: { seq: number; index: number; flagged: boolean }) => save(attemptId, p),
    submitByCandidate,
  };
}
