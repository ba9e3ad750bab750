import type { Ack } from "../../../../server/contracts/errors.js";
import type { SaveAckDto } from "../../../../server/contracts/exams.js";
import {
  hasReceived,
  missingSeqsOf,
  recordSeq,
  storedSaveFor,
  type AttemptLean,
} from "../../../../server/exams/index.js";
import { AppError } from "../../../../server/lib/errors.js";
import type { JournalEntry } from "../../../../client/src/features/exam/answer-journal.js";
import type { SaveTransport } from "../../../../client/src/features/exam/answer-saves.js";

/** One question as the server stores it. */
export interface StoredSlot {
  choice: string[];
  seq: number;
  flagged: boolean;
  flagSeq: number;
}

/** A save as sent: `attempt:answer` or `attempt:flag` without the attempt. */
export type Save =
  | { seq: number; kind: "answer"; index: number; choice: string[] }
  | { seq: number; kind: "flag"; index: number; flagged: boolean };

/** A save as the server took it in, in arrival order: who sent it and whether it changed the slot. */
export interface Arrival {
  from: "page" | "other";
  seq: number;
  index: number;
  choice?: string[];
  flagged?: boolean;
  outcome: "applied" | "not_applied" | "seq_conflict" | "attempt_closed";
}

/** A hand-in as the server answered it: the last seq it named and whether it closed the attempt. */
export interface HandInArrival {
  lastSeq: number;
  outcome: "closed" | "saves_pending";
  missing: number[];
}

/** What `attempt:submit` acknowledges in this fake: the attempt closed, and the last seq received. */
export interface ClosedDto {
  status: "submitted";
  lastSeq: number;
}

/** Lets pending promise callbacks run (the memory journal does no I/O, so one turn settles it all). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The save a seq named, as the attempt's chain records an applied one. */
function named(save: Save): string {
  return save.kind === "answer"
    ? `answer ${save.index} ${[...new Set(save.choice)].sort().join("")}`
    : `flag ${save.index} ${save.flagged}`;
}

/**
 * One attempt on a fake server that decides every save as the real one does: the question's rule
 * is the server's own `storedSaveFor` (a newer seq applied unless another save took it, the same
 * seq with the same answer a repeat, with another `seq_conflict`); a seq below the stored one is
 * acknowledged unapplied, unless it was received before naming another save (`repeated` and
 * `isChainedSave` in server/exams/answers.ts); received seqs are recorded with `recordSeq`. Saves the page sends wait in flight until the test delivers them, in order, so a
 * test can let another page's saves land first or change an answer while one is in flight.
 * A hand-in (`submitByCandidate`) closes the attempt once every seq up to its `lastSeq` arrived,
 * waiting meanwhile (until nothing else is in flight: its wait then runs out, `saves_pending`);
 * once closed, every save is refused `attempt_closed`, as the real one is.
 */
export function aSeatServer(attemptId: string, questions: number) {
  const answers: StoredSlot[] = Array.from({ length: questions }, () => ({
    choice: [],
    seq: 0,
    flagged: false,
    flagSeq: 0,
  }));
  const received = { seen: [] as number[], seenUpTo: 0 as number | null };
  let lastSeq = 0;
  /** Seq → the save applied under it (the attempt's event chain). */
  const chain = new Map<number, string>();
  const arrivals: Arrival[] = [];
  const inFlight: { deliver: () => void }[] = [];
  const handIns: HandInArrival[] = [];
  /** Hand-ins waiting for seqs that have not arrived yet (the real one polls for `submitWaitMs`). */
  let waiting: { lastSeq: number; answer: (ack: Ack<ClosedDto>) => void }[] = [];
  let closed = false;

  function doc(): AttemptLean {
    return { _id: attemptId, answers, lastSeq, ...received } as unknown as AttemptLean;
  }

  function receive(seq: number): void {
    const r = recordSeq(received, seq);
    if (r?.addToSet) received.seen.push(seq);
    if (r?.max) received.seenUpTo = Math.max(received.seenUpTo ?? 0, r.max.seenUpTo);
    if (r?.pullUpTo) received.seen = received.seen.filter((s) => s > (r.pullUpTo?.seen ?? 0));
    lastSeq = Math.max(lastSeq, seq);
  }

  /** Decides one save as `attempt:answer` / `attempt:flag` would. */
  function save(from: Arrival["from"], entry: Save): Ack<SaveAckDto> {
    const input =
      entry.kind === "answer"
        ? { seq: entry.seq, index: entry.index, choice: entry.choice }
        : { seq: entry.seq, index: entry.index, flagged: entry.flagged };
    const arrival: Arrival = { from, ...input, outcome: "applied" };
    arrivals.push(arrival);
    if (closed) {
      arrival.outcome = "attempt_closed";
      return { ok: false, error: { code: "attempt_closed", message: "考试已结束，答案不再接受" } };
    }
    let stored: number | null;
    try {
      stored = storedSaveFor(doc(), input);
      if (stored !== null && stored > entry.seq && hasReceived(received, entry.seq)) {
        if (chain.get(entry.seq) !== named(entry))
          throw new AppError("seq_conflict", 409, "该作答的序号已被另一作答占用", { lastSeq });
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      arrival.outcome = "seq_conflict";
      return { ok: false, error: err.toBody() };
    }
    const slot = answers[entry.index];
    if (!slot) throw new Error(`no question ${entry.index}`);
    if (stored === null) {
      if (entry.kind === "answer") {
        slot.choice = [...new Set(entry.choice)].sort();
        slot.seq = entry.seq;
      } else {
        slot.flagged = entry.flagged;
        slot.flagSeq = entry.seq;
      }
      chain.set(entry.seq, named(entry));
    } else arrival.outcome = "not_applied";
    receive(entry.seq);
    closeIfDue();
    const clock = { serverTime: 0, deadline: null, paused: false, remainingMs: null, version: 1 };
    return {
      ok: true,
      data: {
        attemptId,
        index: entry.index,
        seq: entry.seq,
        savedSeq: stored ?? entry.seq,
        applied: stored === null,
        ...clock,
      },
    };
  }

  /** Answers the hand-ins whose seqs have all arrived: the first closes the attempt. */
  function closeIfDue(): void {
    const due = waiting.filter((w) => closed || missingSeqsOf(received, w.lastSeq).length === 0);
    waiting = waiting.filter((w) => !due.includes(w));
    for (const w of due) {
      closed = true;
      handIns.push({ lastSeq: w.lastSeq, outcome: "closed", missing: [] });
      w.answer({ ok: true, data: { status: "submitted", lastSeq } });
    }
  }

  /** The hand-ins still waiting give up (`submitWaitMs` passed) and name what they miss. */
  function waitRunsOut(): void {
    const expired = waiting;
    waiting = [];
    for (const w of expired) {
      const missing = missingSeqsOf(received, w.lastSeq);
      handIns.push({ lastSeq: w.lastSeq, outcome: "saves_pending", missing });
      w.answer({
        ok: false,
        error: { code: "saves_pending", message: "仍有答案未保存，请稍候重试", details: { missing } },
      });
    }
  }

  const transport: SaveTransport = {
    connected: () => true,
    emit: (entry: JournalEntry) =>
      new Promise((answer) => inFlight.push({ deliver: () => answer(save("page", entry)) })),
  };

  /** The page's `attempt:submit`: in flight, in order with its saves, until delivered. */
  function submit(lastSeqSent: number): Promise<Ack<ClosedDto>> {
    return new Promise((answer) =>
      inFlight.push({
        deliver: () => {
          waiting.push({ lastSeq: lastSeqSent, answer });
          closeIfDue();
        },
      }),
    );
  }

  return {
    transport,
    submit,
    arrivals,
    handIns,
    /** Whether a hand-in closed the attempt. */
    get closed() {
      return closed;
    },
    answers,
    get lastSeq() {
      return lastSeq;
    },
    /** Seqs up to the last received that never arrived: what a hand-in would wait for. */
    missing: () => missingSeqsOf(received, lastSeq),
    /** How many of the page's saves are on their way. */
    inFlight: () => inFlight.length,
    /** A save of another page of this seat (a second tab, the kiosk before a reload) lands now. */
    fromOtherPage: (entry: Save) => save("other", entry),
    /** A save of this page sent outside its journal (a filler of a missing seq) lands now. */
    fromThisPage: (entry: Save) => save("page", entry),
    /** The server decides the oldest save in flight; its ack reaches the page. */
    deliverOne(): void {
      const next = inFlight.shift();
      if (!next) throw new Error("nothing in flight");
      next.deliver();
    },
    /**
     * Delivers every save and hand-in in flight, and those the page sends in reply, until none is
     * left; a hand-in still waiting when nothing else comes runs out of time (`saves_pending`).
     */
    async deliverAll(): Promise<void> {
      await settle();
      while (inFlight.length > 0 || waiting.length > 0) {
        if (inFlight.length > 0) this.deliverOne();
        else waitRunsOut();
        await settle();
      }
    },
  };
}
