import { ObjectId, type Document } from "bson";
import { CommandError, unsupported } from "./errors.js";
import { compileFilter } from "./query.js";
import { Collection, type Change } from "./storage/collection.js";
import type { Store } from "./storage/store.js";
import type { Doc } from "./storage/values.js";
import { OwnWrites } from "./transaction-writes.js";

/** Label that tells drivers (`withTransaction`) to retry the whole transaction. */
const TRANSIENT = "TransientTransactionError";
const TRANSACTION_LIFETIME_MS = 60_000;

/**
 * How a command sees and changes data: directly (each write applied at once) or through a
 * transaction (snapshot reads, buffered writes). Returned documents are the stored objects and
 * must not be mutated; writers pass new objects.
 */
export interface Access {
  /** Documents of `ns` matching `filter`, in natural order (index-backed for equality filters). */
  find(ns: string, filter: Document): Doc[];
  /** Applies changes to one collection; E11000 and WriteConflict are thrown. */
  write(ns: string, changes: Change[]): void;
}

/**
 * The documents of a collection matching `filter`, as of `snapshot` (or current), in natural
 * order unless an index narrows the read. An equality filter on an index's fields is answered
 * from that index, also for an older snapshot: the index holds current keys, so the documents
 * written since the snapshot (whose visible version may hold other keys) are added to the
 * candidates, and every candidate is checked at its visible version.
 */
function select(
  collection: Collection | undefined,
  filter: Document,
  snapshot?: number,
  matches = predicate(filter),
): Array<[string, Doc]> {
  if (!collection) return [];
  const current = snapshot === undefined || collection.lastWrite <= snapshot;
  const ids = collection.candidates(filter);
  if (ids) {
    if (!current) for (const id of collection.writtenSince(snapshot ?? 0)) ids.add(id);
    const found: Array<[string, Doc]> = [];
    for (const id of ids) {
      const doc = current ? collection.get(id) : collection.get(id, snapshot ?? 0);
      if (doc && matches(doc)) found.push([id, doc]);
    }
    return found;
  }
  const source = current ? collection.current() : collection.asOf(snapshot);
  return [...source].filter(([, doc]) => matches(doc));
}

/**
 * The filter's predicate, compiled when a document is first tested. Compiling builds a mingo
 * Query, and every insert checks its `_id` with an equality read that the `_id` index answers
 * with no candidate at all: compiling those twice per insert was 3.7 of the stand-in's 19 busy
 * CPU-s in a 100,000-question import. Only filters of plain values wait; a filter with any
 * operator or sub-document is compiled at once, so a bad one is refused even with no candidate.
 */
function predicate(filter: Document): (doc: Doc) => boolean {
  if (!plainEquality(filter)) return compileFilter(filter);
  let compiled: ((doc: Doc) => boolean) | null = null;
  return (doc) => (compiled ??= compileFilter(filter))(doc);
}

function plainEquality(filter: Document): boolean {
  // for…in, not Object.entries: every statement's filter passes here.
  for (const key in filter) {
    if (!Object.prototype.hasOwnProperty.call(filter, key)) continue;
    const value: unknown = filter[key];
    if (key.startsWith("$")) return false;
    if (
      value !== null &&
      typeof value === "object" &&
      !(value instanceof ObjectId) &&
      !(value instanceof Date)
    )
      return false;
  }
  return true;
}

/** The open transaction, if any, a write outside transactions must wait for (sessions.ts). */
export type WaitingFor = (ns: string, changes: Change[]) => Transaction | null;

/**
 * Thrown by a command's first write outside a transaction that meets a document (or a unique key)
 * an open transaction has written: the command changed nothing yet, and is run again once that
 * transaction has ended (server.ts), as the server retries such a write conflict until then.
 */
export class MustWait extends Error {
  constructor(readonly holder: Transaction) {
    super("the write waits for an open transaction");
  }
}

/**
 * Outside a transaction: every write is applied (and journaled) immediately, except one that
 * meets what an open transaction has written, which waits for it (`MustWait`). Only a command's
 * first write can wait, as the command is then run again from the start; a command that may write
 * more than one document, to a collection an open transaction has written, is first run as a
 * `DryRun` (server.ts), which finds such a write before anything changed. One met after the
 * command changed others anyway is refused: the dry run and the real run are one synchronous turn,
 * so no transaction can write in between, and reaching this means the two runs went different ways.
 */
export class DirectAccess implements Access {
  private wrote = false;

  constructor(
    private readonly store: Store,
    private readonly waitingFor: WaitingFor = () => null,
  ) {}

  find(ns: string, filter: Document): Doc[] {
    return select(this.store.collection(ns), filter).map(([, doc]) => doc);
  }

  write(ns: string, changes: Change[]): void {
    const holder = this.waitingFor(ns, changes);
    if (holder) {
      if (this.wrote)
        throw unsupported(
          "a write command outside a transaction that meets a document an open transaction wrote after it changed others, which its dry run did not foresee (MongoDB waits there for the transaction)",
        );
      throw new MustWait(holder);
    }
    this.store.write([{ ns, changes }]);
    this.wrote = true;
  }
}

/**
 * A command that may write several documents, run first without changing anything: its writes
 * are buffered (read back by its later statements, unique keys checked as a transaction checks
 * them), and the first one that meets what an open transaction has written throws `MustWait`
 * before any document changed. The server instead waits in the middle of such a write; waiting
 * before it gives the same result once the transaction has ended, and the stand-in has no way to
 * stop in the middle of a command. Nothing of the store changes: a collection the command would
 * create is stood in for by a detached one (no transaction can have written to it).
 */
export class DryRun implements Access {
  private readonly writes = new Map<string, OwnWrites>();
  private readonly detached = new Map<string, Collection>();

  constructor(
    private readonly store: Store,
    private readonly waitingFor: WaitingFor,
  ) {}

  find(ns: string, filter: Document): Doc[] {
    return overlayFind(this.collection(ns), this.writes.get(ns), filter);
  }

  write(ns: string, changes: Change[]): void {
    const holder = this.waitingFor(ns, changes);
    if (holder) throw new MustWait(holder);
    let collection = this.collection(ns);
    if (!collection) {
      collection = new Collection(ns);
      this.detached.set(ns, collection);
    }
    const keyError = collection.checkKeys(changes);
    if (keyError) throw keyError;
    const own = this.writes.get(ns) ?? new OwnWrites();
    // Nothing is written during the run, so no stored key is newer than now (no write conflict).
    const error = own.conflict(collection, changes, this.store.clock);
    if (error && error !== "write_conflict") throw error;
    own.set(changes);
    this.writes.set(ns, own);
  }

  private collection(ns: string): Collection | undefined {
    return this.store.collection(ns) ?? this.detached.get(ns);
  }
}

/** The documents matching `filter`: the stored ones (as of `snapshot`) overlaid by `own` writes. */
function overlayFind(
  collection: Collection | undefined,
  own: OwnWrites | undefined,
  filter: Document,
  snapshot?: number,
): Doc[] {
  const matches = predicate(filter);
  const base = select(collection, filter, snapshot, matches);
  if (!own) return base.map(([, doc]) => doc);
  const result = base.filter(([id]) => !own.has(id)).map(([, doc]) => doc);
  const plans = collection?.plans(filter);
  for (const id of plans ? own.candidates(plans) : own.ids()) {
    const doc = own.get(id);
    if (doc && matches(doc)) result.push(doc);
  }
  return result;
}

/**
 * A multi-document transaction: reads see the store as of the first command (snapshot
 * isolation) plus the transaction's own writes; writes are buffered per document and merged
 * into the store at commit, so concurrent writes to other documents survive. Writing a document
 * that changed after the snapshot, or that another open transaction has written, is a
 * WriteConflict (112), labelled transient so the driver retries the transaction.
 */
export class Transaction implements Access {
  readonly txnNumber: bigint;
  private readonly startedAt = Date.now();
  state: "active" | "committed" | "aborted" = "active";
  private readonly writes = new Map<string, OwnWrites>();
  private readonly snapshot: { at: number; release(): void };
  private readonly endListeners: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly locks: Map<string, Transaction>,
    txnNumber: bigint,
  ) {
    this.txnNumber = txnNumber;
    this.snapshot = store.openSnapshot();
  }

  find(ns: string, filter: Document): Doc[] {
    return overlayFind(this.store.collection(ns), this.writes.get(ns), filter, this.snapshot.at);
  }

  write(ns: string, changes: Change[]): void {
    const collection = this.store.ensure(ns);
    for (const change of changes) {
      // Like the server's transactionLifetimeLimitSeconds (60 s): an abandoned transaction must
      // not hold its documents forever.
      const stale = this.locks.get(lockKey(ns, change.id));
      if (stale && stale !== this && stale.expired()) stale.abort();
      const holder = this.locks.get(lockKey(ns, change.id));
      if ((holder && holder !== this) || collection.writtenAt(change.id) > this.snapshot.at)
        throw writeConflict();
    }
    const keyError = collection.checkKeys(changes);
    if (keyError) throw keyError;
    const own = this.writes.get(ns) ?? new OwnWrites();
    const error = own.conflict(collection, changes, this.snapshot.at);
    if (error === "write_conflict") throw writeConflict();
    if (error) throw error;
    for (const change of changes) this.locks.set(lockKey(ns, change.id), this);
    own.set(changes);
    this.writes.set(ns, own);
  }

  /** Merges the buffered writes into the store, or fails with WriteConflict and aborts. */
  commit(): void {
    if (this.state === "committed") return;
    if (this.state === "aborted") throw noSuchTransaction(this.txnNumber);
    for (const [ns, own] of this.writes) {
      const collection = this.store.collection(ns);
      for (const id of own.ids()) {
        if ((collection?.writtenAt(id) ?? 0) > this.snapshot.at) {
          this.abort();
          throw writeConflict();
        }
      }
    }
    try {
      this.store.write(
        [...this.writes].map(([ns, own]) => ({
          ns,
          changes: [...own.entries()].map(([id, doc]) => ({ id, doc })),
        })),
      );
    } catch (error) {
      this.abort();
      // Every write passed the unique check when it was made, so a duplicate now is a key that
      // another transaction committed meanwhile: MongoDB reports that race as a WriteConflict at
      // the second writer, and the driver retries the transaction, whose retry sees the winner.
      if (error instanceof CommandError && error.codeName === "DuplicateKey") throw writeConflict();
      throw error;
    }
    this.state = "committed";
    this.end();
  }

  /** True once the transaction has outlived the server's lifetime limit. */
  expired(): boolean {
    return Date.now() - this.startedAt > TRANSACTION_LIFETIME_MS;
  }

  /** Milliseconds until the lifetime limit (0 once past it). */
  remainingMs(): number {
    return Math.max(0, this.startedAt + TRANSACTION_LIFETIME_MS - Date.now());
  }

  /** Calls `listener` once the transaction commits or aborts (at once if it has). */
  whenEnded(listener: () => void): void {
    if (this.state === "active") this.endListeners.push(listener);
    else listener();
  }

  /**
   * Whether the transaction holds a buffered write to `ns`: only then can a write to `ns` outside
   * transactions have to wait for it (its document locks and unique keys are all per collection).
   */
  hasWritten(ns: string): boolean {
    return this.state === "active" && (this.writes.get(ns)?.size ?? 0) > 0;
  }

  /** Whether a buffered write of this transaction holds a unique key one of `changes` would hold. */
  claimsKeyOf(collection: Collection, changes: Change[]): boolean {
    return this.writes.get(collection.ns)?.claimsKeyOf(collection, changes) ?? false;
  }

  abort(): void {
    if (this.state !== "active") return;
    this.state = "aborted";
    this.end();
  }

  private end(): void {
    for (const [ns, own] of this.writes) {
      for (const id of own.ids())
        if (this.locks.get(lockKey(ns, id)) === this) this.locks.delete(lockKey(ns, id));
    }
    this.writes.clear();
    this.snapshot.release();
    for (const listener of this.endListeners.splice(0)) listener();
  }
}

function writeConflict(): CommandError {
  return new CommandError(
    "WriteConflict",
    "WriteConflict error: this operation conflicted with another operation. Please retry your operation or multi-document transaction.",
    {
      labels: [TRANSIENT],
    },
  );
}

export function noSuchTransaction(txnNumber: bigint): CommandError {
  return new CommandError("NoSuchTransaction", `Transaction with txnNumber ${txnNumber} has been aborted.`, {
    labels: [TRANSIENT],
  });
}

export function lockKey(ns: string, id: string): string {
  return `${ns}\u0000${id}`;
}
