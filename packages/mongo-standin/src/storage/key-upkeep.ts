import type { Document } from "bson";
import type { CommandError } from "../errors.js";
import { sameAt, type Index } from "../indexes.js";
import { isPlainObject, type Doc } from "./values.js";
import type { Change } from "./collection.js";

/**
 * What a save's index upkeep may skip, and only what it certainly may (issue 17: a save of one
 * answer rebuilt the keys of every attempt index, evaluated the passed-attempts index's partial
 * filter three times, and walked every key path for arrays again).
 *
 * An index's keys for a document, whether it holds the document at all, and the error building
 * them raises, depend only on the values at its key paths and, for a partial index, at its
 * filter's paths. When each of those paths leads to the very same value (or the same shared
 * object) in the old and the new version, nothing about the index changes. An update copies only
 * the objects on the paths it changes, so a save that touches none of them passes here at once.
 */

/** A lone change as `checkKeys` saw it, reused by `checkUnique` and `apply` while still current. */
interface Lone {
  change: Change;
  /** The stored version `previous` came from: a later write makes another, and this stale. */
  version: object | undefined;
  previous: Doc | null;
  indexes: Index[];
  count: number;
  same: boolean[];
}

/** How a collection reads its current state for the upkeep. */
export interface CurrentState {
  /** The latest stored version object of a document (identity only), if any. */
  version(id: string): object | undefined;
  /** The current document, without counting as a read. */
  peek(id: string): Doc | null;
}

/** Change arrays checked and not applied yet that are remembered (dry runs never apply theirs). */
const CHECKED_KEPT = 4;

export class KeyUpkeep {
  /**
   * Whether every current document passed `Index.keyError` for every current index: false for
   * good once one entered without `checkKeys` (a journal replay, a rename) or an index was built
   * without checking them. Only then may a change keeping a document's keys skip that check.
   */
  private trusted = true;
  private readonly checked: Change[][] = [];
  private lone: Lone | null = null;
  private compared: { indexes: Index[]; owners: Index[]; paths: Array<string[][] | null> } | null = null;

  constructor(private readonly state: CurrentState) {}

  /**
   * An index was added: built over the current documents, checking their keys or not (a journal
   * replay, a rename). Changes checked before it were not checked against it, so they count as
   * unchecked when they are applied.
   */
  indexAdded(keysChecked: boolean): void {
    if (!keysChecked) this.trusted = false;
    this.checked.length = 0;
    this.lone = null;
  }

  /** `Collection.checkKeys`: the first key error, in index then change order, as a full check finds it. */
  checkKeys(indexes: Index[], changes: Change[]): CommandError | null {
    const lone = changes.length === 1 && this.trusted ? this.loneChange(indexes, changes[0] as Change) : null;
    for (let i = 0; i < indexes.length; i += 1) {
      const index = indexes[i] as Index;
      if (lone?.same[i]) continue;
      for (const change of changes) {
        const error = change.doc ? index.keyError(change.doc) : null;
        if (error) return error;
      }
    }
    if (this.checked.push(changes) > CHECKED_KEPT) this.checked.shift();
    return null;
  }

  /** The previous document of a lone change and, per index, whether its keys stay the same. */
  loneChange(indexes: Index[], change: Change): Lone {
    const known = this.lone;
    const version = this.state.version(change.id);
    if (
      known &&
      known.change === change &&
      known.version === version &&
      known.indexes === indexes &&
      known.count === indexes.length
    )
      return known;
    const previous = this.state.peek(change.id);
    const same = previous && change.doc ? this.sameKeys(indexes, previous, change.doc) : [];
    this.lone = { change, version, previous, indexes, count: indexes.length, same };
    return this.lone;
  }

  /** The lone change `checkKeys` or `checkUnique` saw, when `change` is it and it is still current. */
  current(indexes: Index[], change: Change): Lone | null {
    const known = this.lone;
    if (!known || known.change !== change || known.indexes !== indexes || known.count !== indexes.length)
      return null;
    return known.version === this.state.version(change.id) ? known : null;
  }

  /** Per index, whether two versions certainly hold the same keys of it (partial filters too). */
  sameKeys(indexes: Index[], before: Doc, after: Doc): boolean[] {
    return this.pathsOf(indexes).map((paths) => sameValues(paths, before, after));
  }

  /** `changes` were applied: unless `checkKeys` passed them, their documents are unchecked. */
  applied(changes: Change[]): void {
    this.lone = null;
    const at = this.checked.indexOf(changes);
    if (at >= 0) this.checked.splice(at, 1);
    else if (changes.some((change) => change.doc !== null)) this.trusted = false;
  }

  private pathsOf(indexes: Index[]): Array<string[][] | null> {
    const known = this.compared;
    if (
      known &&
      known.indexes === indexes &&
      known.owners.length === indexes.length &&
      known.owners.every((index, i) => index === indexes[i])
    )
      return known.paths;
    const paths = indexes.map(comparedPaths);
    this.compared = { indexes, owners: [...indexes], paths };
    return paths;
  }
}

/**
 * The paths whose values decide an index's keys and whether it holds a document: its fields, and
 * a partial filter's fields when the filter is plain field conditions (through `$and`/`$or`). Null
 * for a filter reading anything else (`$expr`, `$where`, `$jsonSchema`, anything unrecognised):
 * such an index is never taken as unchanged.
 */
function comparedPaths(index: Index): string[][] | null {
  const paths = index.fields.map((field) => field.split("."));
  const filter: unknown = index.spec.partialFilterExpression;
  if (filter === undefined || filter === null) return paths;
  return fieldPaths(filter, paths) ? paths : null;
}

function fieldPaths(filter: unknown, out: string[][]): boolean {
  if (!isPlainObject(filter)) return false;
  for (const key of Object.keys(filter)) {
    if (key === "$and" || key === "$or") {
      const clauses: unknown = (filter as Document)[key];
      if (!Array.isArray(clauses)) return false;
      for (const clause of clauses) if (!fieldPaths(clause, out)) return false;
      continue;
    }
    const parts = key.split(".");
    // A condition under a field reads only the values that field's path reaches.
    if (parts.some((part) => part.startsWith("$"))) return false;
    out.push(parts);
  }
  return true;
}

function sameValues(paths: string[][] | null, before: Doc, after: Doc): boolean {
  if (!paths) return false;
  for (const parts of paths) if (!sameAt(before, after, parts)) return false;
  return true;
}
