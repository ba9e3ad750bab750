import type { Document } from "bson";
import type { Logger } from "pino";
import { CommandError } from "../errors.js";
import type { IndexSpec } from "../indexes.js";
import type { Journal } from "../journal.js";
import { Collection, type Change } from "./collection.js";

/** A group of changes to one collection. */
export interface Batch {
  ns: string;
  changes: Change[];
}

/** Journal size (records) after which the live state is rewritten compactly. */
const COMPACT_AFTER_RECORDS = 20_000;

/** Splits `db.collection` (collection names may contain dots, database names may not). */
export function splitNs(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf(".");
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/**
 * Every database and collection the server holds, the logical clock that orders writes, the
 * registry of open transaction snapshots, and (with a data directory) the journal every change
 * goes through before it is acknowledged.
 */
export class Store {
  private readonly collections = new Map<string, Collection>();
  private readonly openSnapshots = new Map<symbol, number>();
  private journal: Journal | null = null;
  /** Journal records of the command being executed, written together by `flush`. */
  private pending: Document[] = [];
  private readonly logger: Logger | undefined;
  /** Which collection `encodeCold` goes on with. */
  private coldTurn = 0;
  /** Logical clock: incremented once per applied batch group (one command write or one commit). */
  clock = 0;

  constructor(logger?: Logger) {
    this.logger = logger;
  }

  /** Replays journal records into memory, then journals every later change. */
  attachJournal(journal: Journal, records: Document[]): void {
    for (const record of records) this.replay(record);
    this.journal = journal;
    this.maybeCompact(true);
  }

  collection(ns: string): Collection | undefined {
    return this.collections.get(ns);
  }

  /** The collection, created implicitly (as an insert into a new namespace does). */
  ensure(ns: string): Collection {
    return this.collections.get(ns) ?? this.create(ns, {});
  }

  /** Creates a collection; 48 NamespaceExists when it already exists. */
  create(ns: string, options: Document): Collection {
    if (this.collections.has(ns))
      throw new CommandError("NamespaceExists", `Collection ${ns} already exists.`);
    const collection = new Collection(ns, options);
    this.collections.set(ns, collection);
    this.log({ op: "create", ns, options });
    return collection;
  }

  drop(ns: string): boolean {
    if (!this.collections.delete(ns)) return false;
    this.log({ op: "drop", ns });
    return true;
  }

  dropDatabase(db: string): void {
    for (const ns of this.namespaces(db)) this.collections.delete(ns);
    this.log({ op: "dropDatabase", db });
  }

  rename(from: string, to: string): void {
    const source = this.collections.get(from);
    if (!source) throw new CommandError("NamespaceNotFound", `Source collection ${from} does not exist`);
    const target = new Collection(to, source.options);
    target.apply(
      [...source.current()].map(([id, doc]) => ({ id, doc })),
      this.clock,
      null,
    );
    for (const index of source.indexes.slice(1)) target.addIndex(index.spec, false);
    this.collections.delete(from);
    this.collections.set(to, target);
    this.log({ op: "rename", from, to });
  }

  createIndex(ns: string, spec: IndexSpec): void {
    this.ensure(ns).addIndex(spec);
    this.log({ op: "index", ns, spec });
  }

  dropIndex(ns: string, name: string): void {
    const collection = this.collections.get(ns);
    if (collection) collection.indexes = collection.indexes.filter((index) => index.name !== name);
    this.log({ op: "dropIndex", ns, name });
  }

  /** Namespaces of one database (or all), in creation order. */
  namespaces(db?: string): string[] {
    return [...this.collections.keys()].filter((ns) => db === undefined || splitNs(ns).db === db);
  }

  databases(): string[] {
    return [...new Set(this.namespaces().map((ns) => splitNs(ns).db))];
  }

  /**
   * Applies batches atomically: every unique constraint is checked first, then all changes land
   * under one clock tick and one journal record (a transaction commits all or nothing).
   */
  write(batches: Batch[]): void {
    const live = batches.filter((batch) => batch.changes.length > 0);
    if (live.length === 0) return;
    for (const batch of live) {
      const collection = this.ensure(batch.ns);
      const error = collection.checkKeys(batch.changes) ?? collection.checkUnique(batch.changes);
      if (error) throw error;
    }
    this.clock += 1;
    const oldest = this.oldestSnapshot();
    for (const batch of live) this.ensure(batch.ns).apply(batch.changes, this.clock, oldest);
    this.log({ op: "write", batches: live });
  }

  /**
   * Encodes documents not touched since `coldBefore` (wall-clock ms) until `deadline`
   * (`performance.now()`), a collection at a time, going on next call where this one stopped.
   * Returns true once every collection was visited to its end (a pass is complete).
   */
  encodeCold(coldBefore: number, deadline = Infinity): boolean {
    const names = [...this.collections.keys()];
    for (let i = 0; i < names.length; i += 1) {
      this.coldTurn %= names.length;
      const collection = this.collections.get(names[this.coldTurn] ?? "");
      if (collection && !collection.encodeCold(coldBefore, deadline)) return false;
      this.coldTurn += 1;
      if (i < names.length - 1 && performance.now() > deadline) return false;
    }
    return true;
  }

  /**
   * One pass of the TTL monitor at `now` (epoch ms): deletes every document a TTL index says has
   * expired, as ordinary writes (journaled; a transaction that wrote one then fails at commit with
   * a retryable WriteConflict, as after any concurrent delete). Returns how many were deleted.
   */
  expireTtl(now: number): number {
    let removed = 0;
    for (const collection of [...this.collections.values()]) {
      const ids = collection.expiredIds(now);
      if (ids.size === 0) continue;
      this.write([{ ns: collection.ns, changes: [...ids].map((id) => ({ id, doc: null })) }]);
      removed += ids.size;
    }
    return removed;
  }

  /** Registers an open snapshot at the current clock; call `release` when the transaction ends. */
  openSnapshot(): { at: number; release(): void } {
    const token = Symbol("snapshot");
    const at = this.clock;
    this.openSnapshots.set(token, at);
    return {
      at,
      release: () => {
        this.openSnapshots.delete(token);
        if (this.openSnapshots.size === 0)
          for (const collection of this.collections.values()) collection.pruneAll(null);
      },
    };
  }

  private oldestSnapshot(): number | null {
    return this.openSnapshots.size === 0 ? null : Math.min(...this.openSnapshots.values());
  }

  private log(record: Document): void {
    if (this.journal) this.pending.push(record);
  }

  /**
   * Writes the current command's journal records (one write) and returns when they are durable,
   * or null when the command wrote nothing to journal. The caller replies only after that
   * (group commit), so nothing is acknowledged before it is durable.
   */
  flush(): Promise<void> | null {
    if (!this.journal || this.pending.length === 0) return null;
    const records = this.pending;
    this.pending = [];
    this.journal.append(records);
    this.maybeCompact(false);
    return this.journal.durable();
  }

  /** Rewrites the journal as the live state once it has grown well past it. */
  private maybeCompact(force: boolean): void {
    const journal = this.journal;
    if (!journal) return;
    let live = 0;
    // A sync in flight holds the file descriptor compaction would close; the next write retries.
    if (!force && (journal.appended < COMPACT_AFTER_RECORDS || journal.syncing)) return;
    for (const collection of this.collections.values())
      live += collection.size + collection.indexes.length + 1;
    if (journal.appended <= Math.max(2 * live, force ? 1000 : 0)) return;
    journal.compact(this.liveRecords());
    this.logger?.info({ records: journal.appended }, "mongo-standin journal compacted");
  }

  private *liveRecords(): Iterable<Document> {
    for (const [ns, collection] of this.collections) {
      yield { op: "create", ns, options: collection.options };
      for (const index of collection.indexes.slice(1)) yield { op: "index", ns, spec: index.spec };
      let changes: Change[] = [];
      for (const [id, doc] of collection.current()) {
        changes.push({ id, doc });
        if (changes.length >= 200) {
          yield { op: "write", batches: [{ ns, changes }] };
          changes = [];
        }
      }
      if (changes.length > 0) yield { op: "write", batches: [{ ns, changes }] };
    }
  }

  /** Applies one journal record to memory (no checks: it was valid when first applied). */
  private replay(record: Document): void {
    const ns = record.ns as string;
    switch (record.op) {
      case "create":
        if (!this.collections.has(ns))
          this.collections.set(ns, new Collection(ns, record.options as Document));
        break;
      case "drop":
        this.collections.delete(ns);
        break;
      case "dropDatabase":
        for (const name of this.namespaces(record.db as string)) this.collections.delete(name);
        break;
      case "rename":
        this.rename(record.from as string, record.to as string);
        break;
      case "index":
        this.ensure(ns).addIndex(record.spec as IndexSpec, false);
        break;
      case "dropIndex":
        this.dropIndex(ns, record.name as string);
        break;
      case "write":
        this.clock += 1;
        for (const batch of record.batches as Batch[])
          this.ensure(batch.ns).apply(batch.changes, this.clock, null);
        break;
      default:
        this.logger?.warn({ op: record.op }, "mongo-standin journal: unknown record skipped");
    }
  }
}
