import { Binary, Long, type Document } from "bson";
import { CommandError, unsupported } from "./errors.js";
import type { Store } from "./storage/store.js";
import type { Change } from "./storage/collection.js";
import { lockKey, noSuchTransaction, Transaction } from "./transactions.js";

/**
 * One logical session (`lsid`): its current transaction, and its last retryable write (the
 * highest `txnNumber` it used outside a transaction, with the reply once the write succeeded).
 */
interface Session {
  txn: Transaction | null;
  lastUsed: number;
  retryable: RetryableRecord | null;
}

/** What the session remembers of its last retryable write, to answer a resend of it. */
interface RetryableRecord {
  txnNumber: bigint;
  command: string;
  statements: number;
  reply: Document | null;
}

/** The write commands a driver retries (its retryable writes). */
const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "findandmodify"]);

/**
 * How long an idle session is kept: the `logicalSessionTimeoutMinutes` hello announces (30), after
 * which the server may forget a session too.
 */
const SESSION_IDLE_MS = 30 * 60_000;

/** What a retryable write is answered with: the reply of its first execution, or run it and record. */
type RetryableWrite = { replay: Document } | { record(reply: Document): void };

/** The fields of a command that place it in a session and transaction. */
interface TxnFields {
  lsid?: Document;
  txnNumber?: unknown;
  autocommit?: unknown;
  startTransaction?: unknown;
}

/** Logical sessions and their transactions, shared by all connections. */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly locks = new Map<string, Transaction>();
  /** The transactions not yet committed or aborted. */
  private readonly open = new Set<Transaction>();
  private lastSweep = 0;

  constructor(private readonly store: Store) {}

  /**
   * The transaction a command runs in, or null outside one. Only `autocommit: false` marks a
   * transaction: retryable writes also carry `txnNumber` but are not transactions.
   */
  transactionFor(fields: TxnFields, commandName: string): Transaction | null {
    this.sweepExpired();
    if (fields.autocommit !== false || !fields.lsid) return null;
    const key = sessionKey(fields.lsid);
    const txnNumber = toBigInt(fields.txnNumber);
    const session = this.session(key);
    if (fields.startTransaction === true) {
      if (session.txn && session.txn.txnNumber >= txnNumber) {
        throw new CommandError(
          "BadValue",
          `txnNumber ${txnNumber} is not newer than the session's ${session.txn.txnNumber}`,
        );
      }
      session.txn?.abort();
      const txn = new Transaction(this.store, this.locks, txnNumber);
      this.open.add(txn);
      txn.whenEnded(() => this.open.delete(txn));
      session.txn = txn;
      return txn;
    }
    const txn = session.txn;
    if (!txn || txn.txnNumber !== txnNumber) throw noSuchTransaction(txnNumber);
    if (txn.state === "active" && txn.expired()) txn.abort();
    if (
      txn.state === "committed" &&
      commandName !== "commitTransaction" &&
      commandName !== "abortTransaction"
    ) {
      throw new CommandError("TransactionCommitted", `Transaction ${txnNumber} has been committed.`);
    }
    if (txn.state === "aborted" && commandName !== "abortTransaction") throw noSuchTransaction(txnNumber);
    return txn;
  }

  /**
   * A retryable write (`lsid` and `txnNumber` without `autocommit: false`), as the server's
   * session records executed statements: a resend of the session's last one is answered with the
   * first reply and changes nothing, a lower `txnNumber` is TransactionTooOld (225). Null for any
   * other command. Only a successful reply is recorded; a resend of a write that failed runs again,
   * as its statements were not executed. A resend whose first reply had write errors is refused:
   * the server would run again only the statements not executed, which is not modelled.
   */
  retryableWrite(fields: TxnFields, commandName: string, statements: number): RetryableWrite | null {
    if (fields.autocommit !== undefined || !fields.lsid || fields.txnNumber === undefined) return null;
    if (!RETRYABLE_WRITES.has(commandName)) return null;
    this.sweepExpired();
    const txnNumber = toBigInt(fields.txnNumber);
    const session = this.session(sessionKey(fields.lsid));
    const last = session.retryable;
    const newest = [last?.txnNumber, session.txn?.txnNumber].reduce<bigint>(
      (max, n) => (n !== undefined && n > max ? n : max),
      -1n,
    );
    if (txnNumber < newest)
      throw new CommandError(
        "TransactionTooOld",
        `Cannot start transaction ${txnNumber} on session because a newer transaction ${newest} has already started.`,
      );
    if (session.txn && session.txn.txnNumber === txnNumber)
      throw unsupported(`a retryable write with the txnNumber of the session's transaction (${txnNumber})`);
    if (last && last.txnNumber === txnNumber && last.reply) {
      if (last.command !== commandName || last.statements !== statements)
        throw unsupported(`a retryable write resent as another command (txnNumber ${txnNumber})`);
      if (last.reply.writeErrors !== undefined)
        throw unsupported(`retrying a write whose first attempt had write errors (txnNumber ${txnNumber})`);
      return { replay: replayed(commandName, statements, last.reply) };
    }
    const record: RetryableRecord = { txnNumber, command: commandName, statements, reply: null };
    session.retryable = record;
    return {
      record(reply) {
        if (reply.ok === 1 && session.retryable === record) record.reply = reply;
      },
    };
  }

  /**
   * The open transaction a write outside transactions must wait for: one that has written a
   * document `changes` write (its lock), or inserted a unique key one of them would hold. A
   * transaction past its lifetime is aborted here rather than waited for.
   */
  waitingFor(ns: string, changes: Change[]): Transaction | null {
    if (this.open.size === 0) return null;
    for (const change of changes) {
      const holder = this.locks.get(lockKey(ns, change.id));
      if (holder?.state !== "active") continue;
      if (!holder.expired()) return holder;
      holder.abort();
    }
    const collection = this.store.collection(ns);
    if (!collection) return null;
    for (const txn of this.open) {
      if (!txn.claimsKeyOf(collection, changes)) continue;
      if (!txn.expired()) return txn;
      txn.abort();
    }
    return null;
  }

  /**
   * Whether a write outside transactions to these namespaces (null: not known, any) may have to
   * wait: an open transaction has written one of them (`waitingFor` looks nowhere else).
   */
  mayWaitOn(namespaces: readonly string[] | null): boolean {
    if (this.open.size === 0) return false;
    if (namespaces === null) return true;
    for (const txn of this.open) if (namespaces.some((ns) => txn.hasWritten(ns))) return true;
    return false;
  }

  /** The session under `key`, created on first use; marks it used now. */
  private session(key: string): Session {
    let session = this.sessions.get(key);
    if (!session) {
      session = { txn: null, lastUsed: 0, retryable: null };
      this.sessions.set(key, session);
    }
    session.lastUsed = Date.now();
    return session;
  }

  /** Ends sessions (`endSessions`): their open transactions are aborted. */
  end(lsids: Document[]): void {
    for (const lsid of lsids) {
      const key = sessionKey(lsid);
      this.sessions.get(key)?.txn?.abort();
      this.sessions.delete(key);
    }
  }

  /** Aborts every open transaction (server shutdown). */
  abortAll(): void {
    for (const session of this.sessions.values()) session.txn?.abort();
  }

  /**
   * Aborts transactions past their lifetime (at most once a second), so a client that vanished
   * mid-transaction does not pin old document versions in memory.
   */
  private sweepExpired(): void {
    const now = Date.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [key, session] of this.sessions) {
      if (session.txn?.expired()) session.txn.abort();
      // A session idle past its timeout is forgotten (and with it its retryable write's reply).
      if (now - session.lastUsed > SESSION_IDLE_MS && session.txn?.state !== "active")
        this.sessions.delete(key);
    }
  }
}

/**
 * The reply to a resent write: the first one, with the statements it had already executed listed
 * as the server lists them (`retriedStmtIds`; `retriedStmtId` for findAndModify).
 */
function replayed(commandName: string, statements: number, reply: Document): Document {
  if (commandName === "findAndModify" || commandName === "findandmodify")
    return { ...reply, retriedStmtId: 0 };
  return { ...reply, retriedStmtIds: Array.from({ length: statements }, (_, i) => i) };
}

function sessionKey(lsid: Document): string {
  const id: unknown = lsid.id;
  return id instanceof Binary ? Buffer.from(id.buffer).toString("hex") : JSON.stringify(id);
}

function toBigInt(value: unknown): bigint {
  if (value instanceof Long) return value.toBigInt();
  if (typeof value === "number") return BigInt(value);
  if (typeof value === "bigint") return value;
  throw new CommandError("BadValue", "a transaction needs a txnNumber");
}
