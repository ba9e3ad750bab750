import type { CommandError } from "./errors.js";
import type { Index } from "./indexes.js";
import type { Change, Collection } from "./storage/collection.js";
import type { IndexPlan } from "./storage/index-plans.js";
import type { Doc } from "./storage/values.js";

/** Encoded index key → ids of the buffered documents holding it. */
type KeyMap = Map<string, Set<string>>;
/** Per depth (index `d - 1`): the key map of an index's first `d` fields. */
type Levels = KeyMap[];

/**
 * A transaction's buffered writes to one collection (`null` deletes), with the index keys the
 * buffered documents hold. The keys are what keep a large transaction linear: checking a new
 * write's unique keys, or finding buffered documents by an equality filter, looks up those keys
 * instead of walking every document written so far (which made each insert of an import cost
 * time proportional to the inserts before it). A key map is built on first use per index, then
 * kept current by `set`.
 */
export class OwnWrites {
  private readonly docs = new Map<string, Doc | null>();
  private readonly keyed = new Map<Index, Levels>();

  get size(): number {
    return this.docs.size;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  ids(): IterableIterator<string> {
    return this.docs.keys();
  }

  entries(): IterableIterator<[string, Doc | null]> {
    return this.docs.entries();
  }

  get(id: string): Doc | null | undefined {
    return this.docs.get(id);
  }

  /** Ids of buffered documents any of the plans can match (a superset; callers still filter). */
  candidates(plans: IndexPlan[]): Set<string> {
    const ids = new Set<string>();
    for (const plan of plans) {
      const keys = this.keysOf(plan.index, plan.depth);
      for (const key of plan.keys) for (const id of keys.get(key) ?? []) ids.add(id);
    }
    return ids;
  }

  /**
   * The unique-index violation `changes` would cause, judged on the state the commit would write:
   * these buffered documents with `changes` applied, over the collection's current documents.
   * Documents the transaction has written (or is writing) no longer hold their stored keys.
   * Buffered documents already passed this check when they were written; the commit checks the
   * whole write set again against the store.
   *
   * A clash with a stored document written after `snapshotAt` is `"write_conflict"`, not E11000:
   * as in MongoDB (where WiredTiger meets a key its snapshot cannot see), the transaction raced
   * another writer and is retried, and its retry sees the document and decides anew.
   */
  conflict(
    collection: Collection,
    changes: Change[],
    snapshotAt: number,
  ): CommandError | "write_conflict" | null {
    const changing = new Set(changes.map((change) => change.id));
    const released = (holder: string): boolean => this.docs.has(holder) || changing.has(holder);
    for (const index of collection.indexes) {
      if (!index.unique) continue;
      const own = this.keysOf(index, index.fields.length);
      const claimed = new Map<string, string>();
      for (const change of changes) {
        if (!change.doc) continue;
        for (const { key, values } of index.keysFor(change.doc)) {
          const other = claimed.get(key);
          if (other !== undefined && other !== change.id) return index.duplicateError(collection.ns, values);
          for (const holder of own.get(key) ?? []) {
            if (holder !== change.id && !changing.has(holder))
              return index.duplicateError(collection.ns, values);
          }
          for (const holder of index.lookup(key)) {
            if (holder === change.id || released(holder)) continue;
            if (collection.writtenAt(holder) > snapshotAt) return "write_conflict";
            return index.duplicateError(collection.ns, values);
          }
          claimed.set(key, change.id);
        }
      }
    }
    return null;
  }

  /**
   * Whether a buffered document other than the one a change writes holds a unique key the change's
   * document would hold, and its stored version does not: an uncommitted key a writer outside the
   * transaction must wait for (a key the stored version holds too is a duplicate at once).
   */
  claimsKeyOf(collection: Collection, changes: Change[]): boolean {
    for (const index of collection.indexes) {
      if (!index.unique) continue;
      const own = this.keysOf(index, index.fields.length);
      if (own.size === 0) continue;
      for (const change of changes) {
        if (!change.doc) continue;
        for (const { key } of index.keysFor(change.doc)) {
          for (const holder of own.get(key) ?? []) {
            if (holder === change.id) continue;
            const stored = collection.get(holder);
            if (!stored || !index.keysFor(stored).some((held) => held.key === key)) return true;
          }
        }
      }
    }
    return false;
  }

  /** Buffers changes (already checked), moving their ids between keys in every built key map. */
  set(changes: Change[]): void {
    for (const change of changes) {
      const previous = this.docs.get(change.id);
      for (const [index, levels] of this.keyed) {
        if (previous) removeKeys(levels, index, change.id, previous);
        if (change.doc) addKeys(levels, index, change.id, change.doc);
      }
      this.docs.set(change.id, change.doc);
    }
  }

  private keysOf(index: Index, depth: number): KeyMap {
    let levels = this.keyed.get(index);
    if (!levels) {
      levels = index.fields.map(() => new Map<string, Set<string>>());
      for (const [id, doc] of this.docs) if (doc) addKeys(levels, index, id, doc);
      this.keyed.set(index, levels);
    }
    return levels[depth - 1] ?? new Map<string, Set<string>>();
  }
}

function addKeys(levels: Levels, index: Index, id: string, doc: Doc): void {
  index.levelKeysFor(doc).forEach((keys, depth) => {
    const level = levels[depth];
    for (const key of keys) {
      const ids = level?.get(key);
      if (ids) ids.add(id);
      else level?.set(key, new Set([id]));
    }
  });
}

function removeKeys(levels: Levels, index: Index, id: string, doc: Doc): void {
  index.levelKeysFor(doc).forEach((keys, depth) => {
    const level = levels[depth];
    for (const key of keys) {
      const ids = level?.get(key);
      ids?.delete(id);
      if (ids?.size === 0) level?.delete(key);
    }
  });
}
