import type { mongo } from "mongoose";
import type { CandidateAttemptDto, SaveAckDto } from "../contracts/exams.js";
import { errors } from "../lib/errors.js";
import { assertChoiceFits } from "./choice-check.js";
import { acceptsSaves, computeDeadline } from "./clock.js";
import { closedError, pausedError, type ExamCore } from "./exam-core.js";
import { clockParts, missingSeqs, type AttemptLean } from "./presenters.js";
import { recordSeq } from "./received-seqs.js";
import {
  MAX_OUT_OF_ORDER,
  notReceivedFilter,
  savePlan,
  savesExhausted,
  seqConflict,
  sortedChoice,
  storedSaveFor,
  type SaveInput,
} from "./save-plan.js";

/**
 * Seqs a hand-in waits for beyond the highest one received: saves the page sent just before it,
 * still on their way. The page settles its journal before it hands in, so a last seq further ahead
 * names saves never sent (or made up): waiting cannot bring them, and the page is told at once
 * which are missing (`saves_pending`), then sends them and hands in again.
 */
export const MAX_SAVES_IN_FLIGHT = 100;

const savesPending = (missing: number[]) =>
  errors.conflict("saves_pending", "仍有答案未保存，请稍候重试", { missing });

/**
 * A save's ack: `clockOf`'s clock with the deadline computed once (`clockOf` computes it again for
 * the remaining time, a Date each, and its object was copied here: every save, issue 17).
 */
export function saveAck(
  doc: AttemptLean,
  at: Date,
  index: number,
  seq: number,
  savedSeq: number,
  applied: boolean,
): SaveAckDto {
  const parts = clockParts(doc);
  const deadline = computeDeadline(parts)?.getTime() ?? null;
  return {
    attemptId: doc._id,
    index,
    seq,
    savedSeq,
    applied,
    serverTime: at.getTime(),
    deadline,
    paused: parts.pausedAt !== null,
    // `remainingMs`'s rule: frozen at the moment a pause began.
    remainingMs: deadline === null ? null : Math.max(0, deadline - (parts.pausedAt ?? at).getTime()),
    version: doc.chainN,
  };
}

/** Ignores how a promise settled (a hand-in waits for the one before it, whatever its outcome). */
function settled(): void {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A candidate's hand-in under way or waiting its turn (see `handIns`): its last seq may rise while it waits. */
interface HandInRun {
  lastSeq: number;
  done: Promise<CandidateAttemptDto>;
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
    // A plain function and no `then` of its own, not an async task: an async frame held across the
    // write was a kilobyte of every save's garbage (issue 17), and the ack is made in the reaction
    // that ends the write (`mutateThen`). The rare repeat goes to `repeated`.
    return store.serial(attemptId, () => {
      let stale: { doc: AttemptLean; stored: number } | null = null;
      return store.mutateThen(
        attemptId,
        (doc, at) => {
          if (doc.status !== "in_progress" || !acceptsSaves(doc.deadline ?? null, at, grace))
            throw closedError();
          if (doc.pausedAt) throw pausedError();
          if (!doc.answers[input.index]) throw errors.badRequest("question_out_of_range", "题号超出试卷范围");
          // Against the paper as cached (no read on the save path); a paper not cached here
          // (just after a restart, before the page's view cached it) is not checked.
          const question = "choice" in input ? core.papers.cachedQuestion(attemptId, input.index) : undefined;
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
        (res) => {
          if (!res.event) return repeated(attemptId, input, res.at, stale);
          seats.seat(attemptId, true, res.after ?? undefined);
          return saveAck(res.before, res.at, input.index, input.seq, input.seq, true);
        },
      );
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
   * Hand-ins waiting for their saves, per attempt one running and at most one waiting behind it:
   * a page (or a script) sending `attempt:submit` again and again polled the attempt once more
   * per copy, every 50 ms for up to `submitWaitMs`, and copies naming last seqs in turn chained
   * without bound. A repeat with the running one's last seq shares its outcome; any other joins
   * the one waiting, which hands in once every seq any of them named has arrived (a stale submit, say
   * from a page being taken over, never closes the attempt before a later seq the page sent).
   */
  const handIns = new Map<string, { running: HandInRun; waiting?: HandInRun }>();

  /** Candidate hand-in (交卷), one running per attempt (see `handIns` and `handIn`). */
  function submitByCandidate(attemptId: string, lastSeq: number): Promise<CandidateAttemptDto> {
    const line = handIns.get(attemptId);
    if (line?.running.lastSeq === lastSeq) return line.running.done;
    if (line?.waiting) {
      line.waiting.lastSeq = Math.max(line.waiting.lastSeq, lastSeq);
      return line.waiting.done;
    }
    const before = line ? line.running.done.then(settled, settled) : Promise.resolve();
    const run: HandInRun = { lastSeq, done: undefined as unknown as Promise<CandidateAttemptDto> };
    run.done = before.then(() => {
      if (handIns.get(attemptId)?.waiting === run) handIns.set(attemptId, { running: run });
      return handIn(attemptId, run.lastSeq);
    });
    if (line) line.waiting = run;
    else handIns.set(attemptId, { running: run });
    const clear = () => {
      const current = handIns.get(attemptId);
      if (current?.running === run && !current.waiting) handIns.delete(attemptId);
    };
    run.done.then(clear, clear);
    return run.done;
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
