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
  outcome: "applied" | "not_applied" | "seq_conflict";
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
  const inFlight: { entry: JournalEntry; answer: (ack: Ack<SaveAckDto>) => void }[] = [];

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

  const transport: SaveTransport = {
    connected: () => true,
    emit: (entry) => new Promise((answer) => inFlight.push({ entry, answer })),
  };

  return {
    transport,
    arrivals,
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
      next.answer(save("page", next.entry));
    },
    /** Delivers every save in flight, and those the page sends in reply, until none is left. */
    async deliverAll(): Promise<void> {
      await settle();
      while (inFlight.length > 0) {
        this.deliverOne();
        await settle();
      }
    },
  };
}
