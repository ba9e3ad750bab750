import type { Document } from "bson";
import { CommandError } from "../errors.js";
import { Index, idIndexSpec, type IndexSpec } from "../indexes.js";
import { valueKey, type Doc } from "./values.js";

/** One committed state of a document; `doc: null` records a delete. */
interface Version {
  at: number;
  doc: Doc | null;
}

/** A change to one document: its `_id` key and its new content (`null` deletes it). */
export interface Change {
  id: string;
  doc: Doc | null;
}

/**
 * One collection: documents in natural (insertion) order with a short version history each, so a
 * transaction can read the state as of its snapshot while other writes go on (multi-version
 * concurrency, the way WiredTiger serves snapshot reads). Older versions are dropped as soon as
 * no open snapshot can see them.
 */
export class Collection {
  readonly ns: string;
  readonly options: Document;
  indexes: Index[] = [];
  /** Clock value of the latest write, so readers know whether their snapshot is still current. */
  lastWrite = 0;
  private readonly versions = new Map<string, Version[]>();

  constructor(ns: string, options: Document = {}) {
    this.ns = ns;
    this.options = options;
    this.indexes.push(new Index(idIndexSpec()));
  }

  /** Current documents, in natural order. */
  *current(): Iterable<[string, Doc]> {
    for (const [id, chain] of this.versions) {
      const doc = chain[chain.length - 1]?.doc;
      if (doc) yield [id, doc];
    }
  }

  /** Documents as of a snapshot. */
  *asOf(snapshot: number): Iterable<[string, Doc]> {
    for (const [id, chain] of this.versions) {
      const doc = visible(chain, snapshot);
      if (doc) yield [id, doc];
    }
  }

  get(id: string, snapshot?: number): Doc | null {
    const chain = this.versions.get(id);
    if (!chain) return null;
    return snapshot === undefined ? (chain[chain.length - 1]?.doc ?? null) : visible(chain, snapshot);
  }

  /** Clock value of the document's latest write (0 when never written). */
  writtenAt(id: string): number {
    const chain = this.versions.get(id);
    return chain?.[chain.length - 1]?.at ?? 0;
  }

  get size(): number {
    let n = 0;
    for (const chain of this.versions.values()) if (chain[chain.length - 1]?.doc) n += 1;
    return n;
  }

  /** The unique-index violation `changes` would cause against the current state, if any. */
  checkUnique(changes: Change[]): CommandError | null {
    const touched = new Set(changes.map((change) => change.id));
    for (const index of this.indexes) {
      if (!index.unique) continue;
      const claimed = new Map<string, string>();
      for (const change of changes) {
        if (!change.doc) continue;
        for (const { key, values } of index.keysFor(change.doc)) {
          const other = claimed.get(key);
          if (other !== undefined && other !== change.id) return index.duplicateError(this.ns, values);
          for (const holder of index.lookup(key)) {
            if (holder !== change.id && !touched.has(holder)) return index.duplicateError(this.ns, values);
          }
          claimed.set(key, change.id);
        }
      }
    }
    return null;
  }

  /**
   * Applies changes at clock value `at` (unique constraints already checked), keeping only the
   * versions that a snapshot at or after `oldestSnapshot` can still see.
   */
  apply(changes: Change[], at: number, oldestSnapshot: number | null): void {
    for (const change of changes) {
      const previous = this.get(change.id);
      for (const index of this.indexes) {
        if (previous) index.remove(change.id, previous);
        if (change.doc) index.add(change.id, change.doc);
      }
      const chain = this.versions.get(change.id) ?? [];
      chain.push({ at, doc: change.doc });
      this.versions.set(change.id, chain);
      this.prune(change.id, oldestSnapshot);
    }
    if (changes.length > 0) this.lastWrite = at;
  }

  /** Drops history no open snapshot needs; forgets deleted documents entirely when possible. */
  prune(id: string, oldestSnapshot: number | null): void {
    const chain = this.versions.get(id);
    if (!chain) return;
    let keepFrom = chain.length - 1;
    if (oldestSnapshot !== null) {
      while (keepFrom > 0 && (chain[keepFrom]?.at ?? 0) > oldestSnapshot) keepFrom -= 1;
    }
    if (keepFrom > 0) chain.splice(0, keepFrom);
    if (chain.length === 1 && chain[0]?.doc === null && oldestSnapshot === null) this.versions.delete(id);
  }

  /** Prunes every document (after the last open transaction ends). */
  pruneAll(oldestSnapshot: number | null): void {
    for (const id of [...this.versions.keys()]) this.prune(id, oldestSnapshot);
  }

  /** Builds an index over the current documents; fails (E11000) over existing duplicates. */
  addIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    const holders = new Map<string, string>();
    for (const [id, doc] of this.current()) {
      for (const { key, values } of index.keysFor(doc)) {
        const other = holders.get(key);
        if (index.unique && other !== undefined && other !== id) throw index.duplicateError(this.ns, values);
        holders.set(key, id);
      }
    }
    for (const [id, doc] of this.current()) index.add(id, doc);
    this.indexes.push(index);
  }

  /**
   * Ids of the candidate documents for an equality filter, answered from an index whose every
   * field is pinned by the filter (`field: scalar`, `$eq`, or `$in` of scalars); null when no
   * index applies and the caller must scan.
   */
  candidates(filter: Document): Set<string> | null {
    const plan = this.plan(filter);
    if (!plan) return null;
    const ids = new Set<string>();
    for (const key of plan.keys) for (const id of plan.index.lookup(key)) ids.add(id);
    return ids;
  }

  /** The index an equality filter is answered from and the keys it looks up (null: a scan). */
  plan(filter: Document): { index: Index; keys: string[] } | null {
    for (const index of this.indexes) {
      if (index.spec.sparse || index.spec.partialFilterExpression) continue;
      const perField: unknown[][] = [];
      for (const field of index.fields) {
        const values = equalityValues(filter[field]);
        if (!values) break;
        perField.push(values);
      }
      if (perField.length !== index.fields.length) continue;
      let keys: string[] = [""];
      perField.forEach((values, i) => {
        keys = keys.flatMap((prefix) =>
          values.map((value) => (i === 0 ? "" : prefix + "\u0000") + valueKey(value)),
        );
      });
      return { index, keys };
    }
    return null;
  }
}

function visible(chain: Version[], snapshot: number): Doc | null {
  for (let i = chain.length - 1; i >= 0; i -= 1) {
    const version = chain[i];
    if (version && version.at <= snapshot) return version.doc;
  }
  return null;
}

/** Scalars an index can look up by equality; arrays and sub-documents need a scan. */
function isIndexable(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (value instanceof Date) return true;
  return typeof value === "object" && (value as { _bsontype?: string })._bsontype === "ObjectId";
}

function equalityValues(condition: unknown): unknown[] | null {
  if (condition === undefined) return null;
  if (
    condition !== null &&
    typeof condition === "object" &&
    !Array.isArray(condition) &&
    Object.getPrototypeOf(condition) === Object.prototype
  ) {
    const ops = condition as Record<string, unknown>;
    const keys = Object.keys(ops);
    if (keys.length !== 1) return null;
    if (keys[0] === "$eq" && isIndexable(ops.$eq)) return [ops.$eq];
    if (keys[0] === "$in" && Array.isArray(ops.$in) && (ops.$in as unknown[]).every(isIndexable))
      return ops.$in as unknown[];
    return null;
  }
  return isIndexable(condition) ? [condition] : null;
}
