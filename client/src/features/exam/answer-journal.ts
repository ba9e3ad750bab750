import { openDB, type DBSchema, type IDBPDatabase } from "idb";

/**
 * The candidate's answer journal (作答日志): every answer or flag is written here, with its
 * per-attempt sequence number, BEFORE it is sent, and removed only when the server acknowledges
 * it. After a reconnect (or a reload, a crash, a power cut of the kiosk) the pages replay what is
 * left and then resync the whole attempt from the server, so an answer given while offline is
 * never lost and never depends on socket.io's connection-state recovery (which only buffers for a
 * short window and not across reloads).
 *
 * The journal also remembers the highest seq handed out per attempt so numbering never restarts
 * at 1 after a reload (a reused seq would be taken by the server as a repeat and not applied).
 * Where IndexedDB is unavailable (private window) it falls back to memory: the candidate can still
 * answer; only the reload case loses its protection. The same holds once IndexedDB refuses a write
 * (a full quota, storage revoked): the journal is no longer `durable` from then on, and the page
 * stops telling the candidate the answers are kept on this computer.
 */

/** One journalled save, exactly what will be (re)sent as `attempt:answer` / `attempt:flag`. */
export type JournalEntry =
  | { attemptId: string; seq: number; kind: "answer"; index: number; choice: string[]; at: number }
  | { attemptId: string; seq: number; kind: "flag"; index: number; flagged: boolean; at: number };

/** An entry before the journal has numbered it. */
export type JournalDraft =
  { kind: "answer"; index: number; choice: string[] } | { kind: "flag"; index: number; flagged: boolean };

interface JournalDb extends DBSchema {
  entries: {
    key: [string, number];
    value: JournalEntry;
    indexes: { byAttempt: string };
  };
  meta: {
    key: string;
    value: { attemptId: string; lastSeq: number };
  };
}

const DB_NAME = "roadcert-answer-journal";
const DB_VERSION = 1;

let dbPromise: Promise<IDBPDatabase<JournalDb> | null> | null = null;

function database(): Promise<IDBPDatabase<JournalDb> | null> {
  dbPromise ??= (async () => {
    // Named through globalThis: the journal also runs where there is none (unit tests in Node).
    if (!("indexedDB" in globalThis)) return null;
    try {
      return await openDB<JournalDb>(DB_NAME, DB_VERSION, {
        upgrade(db) {
          const entries = db.createObjectStore("entries", { keyPath: ["attemptId", "seq"] });
          entries.createIndex("byAttempt", "attemptId");
          db.createObjectStore("meta", { keyPath: "attemptId" });
        },
      });
    } catch {
      return null;
    }
  })();
  return dbPromise;
}

/**
 * The journal of one attempt. Seqs are handed out at once, in call order, without gaps; the writes
 * to IndexedDB are serialised behind them. Numbering does not wait for a write: a change made
 * while a refused save is numbered anew (see `useAnswerSaves`) was numbered before it when both
 * waited, and the older answer then won.
 */
export class AnswerJournal {
  readonly attemptId: string;
  /**
   * Called once when a write is refused and the journal stops being durable (the page's flag
   * follows it; `durable` itself is not reactive).
   */
  onDurabilityLost: (() => void) | null = null;
  private stillDurable: boolean;
  private readonly db: IDBPDatabase<JournalDb> | null;
  private last: number;
  private readonly memory = new Map<number, JournalEntry>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    attemptId: string,
    db: IDBPDatabase<JournalDb> | null,
    lastSeq: number,
    entries: JournalEntry[],
  ) {
    this.attemptId = attemptId;
    this.db = db;
    this.stillDurable = db !== null;
    this.last = lastSeq;
    for (const e of entries) this.memory.set(e.seq, e);
  }

  /**
   * Opens (or creates) the journal of `attemptId` and loads what a previous page left in it;
   * `store` is the browser's (tests hand in one that refuses writes).
   */
  static async open(
    attemptId: string,
    store: Promise<IDBPDatabase<JournalDb> | null> = database(),
  ): Promise<AnswerJournal> {
    const db = await store;
    if (!db) return new AnswerJournal(attemptId, null, 0, []);
    try {
      const [meta, entries] = await Promise.all([
        db.get("meta", attemptId),
        db.getAllFromIndex("entries", "byAttempt", attemptId),
      ]);
      const highest = entries.reduce((m, e) => Math.max(m, e.seq), 0);
      return new AnswerJournal(attemptId, db, Math.max(meta?.lastSeq ?? 0, highest), entries);
    } catch {
      return new AnswerJournal(attemptId, null, 0, []);
    }
  }

  /**
   * True while every entry survives a reload (IndexedDB open and taking every write); false once
   * one lives in memory only: a reload or a closed tab would lose it.
   */
  get durable(): boolean {
    return this.stillDurable;
  }

  /** Highest seq handed out so far (0 = none); `attempt:submit` carries it as `lastSeq`. */
  get lastSeq(): number {
    return this.last;
  }

  /**
   * Continues numbering after `serverLastSeq` when the server has seen more than this journal (a
   * new browser on the same seat), so a fresh seq is never mistaken for a repeat. The next
   * `record` numbers after it at once; the promise is the write.
   */
  catchUp(serverLastSeq: number): Promise<void> {
    if (serverLastSeq <= this.last) return Promise.resolve();
    this.last = serverLastSeq;
    return this.serial(async () => {
      // Refused: a reload would number from an older seq, which the server takes as repeats.
      await this.db
        ?.put("meta", { attemptId: this.attemptId, lastSeq: serverLastSeq })
        .catch(() => this.lostDurability());
    });
  }

  /**
   * Numbers a save at once (it is pending from here on) and stores it; `stored` resolves once it
   * is written (never rejects), and the save is sent only then.
   */
  record(draft: JournalDraft): { entry: JournalEntry; stored: Promise<void> } {
    const seq = this.last + 1;
    const entry: JournalEntry =
      draft.kind === "answer"
        ? {
            attemptId: this.attemptId,
            seq,
            kind: "answer",
            index: draft.index,
            choice: [...draft.choice],
            at: Date.now(),
          }
        : {
            attemptId: this.attemptId,
            seq,
            kind: "flag",
            index: draft.index,
            flagged: draft.flagged,
            at: Date.now(),
          };
    this.last = seq;
    this.memory.set(seq, entry);
    const stored = this.serial(async () => {
      if (!this.db) return;
      try {
        const tx = this.db.transaction(["entries", "meta"], "readwrite");
        await Promise.all([
          tx.objectStore("entries").put(entry),
          tx.objectStore("meta").put({ attemptId: this.attemptId, lastSeq: seq }),
          tx.done,
        ]);
      } catch {
        // Storage refused (quota): the entry stays in memory and is still replayed on reconnect,
        // but a reload would lose it, and the page must say so.
        this.lostDurability();
      }
    });
    return { entry, stored };
  }

  /** Whether `seq` is still pending (not acknowledged, not cleared). */
  holds(seq: number): boolean {
    return this.memory.has(seq);
  }

  /** The server acknowledged `seq`: it no longer needs replaying (at once; the promise is the write). */
  acknowledge(seq: number): Promise<void> {
    if (!this.memory.delete(seq)) return Promise.resolve();
    return this.serial(async () => {
      await this.db?.delete("entries", [this.attemptId, seq]).catch(() => undefined);
    });
  }

  /** Unacknowledged entries in seq order (what a reconnect replays). */
  pending(): JournalEntry[] {
    return [...this.memory.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The attempt is closed: nothing is left to replay. Keeps `lastSeq` only until the page goes. */
  clear(): Promise<void> {
    this.memory.clear();
    return this.serial(async () => {
      if (!this.db) return;
      try {
        const tx = this.db.transaction(["entries", "meta"], "readwrite");
        const keys = await tx.objectStore("entries").index("byAttempt").getAllKeys(this.attemptId);
        await Promise.all([
          ...keys.map((k) => tx.objectStore("entries").delete(k)),
          tx.objectStore("meta").delete(this.attemptId),
          tx.done,
        ]);
      } catch {
        // Leftovers of a closed attempt are harmless: the server acknowledges them as closed.
      }
    });
  }

  private lostDurability(): void {
    if (!this.stillDurable) return;
    this.stillDurable = false;
    this.onDurabilityLost?.();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
