import { ObjectId, type Document } from "bson";
import { CommandError, unsupported } from "./errors.js";
import { compileFilter } from "./query.js";
import { EMPTY_ARRAY_KEY, hasPath, isPlainObject, pathValues, valueKey, type Doc } from "./storage/values.js";

/** An index definition as `createIndexes` receives it and `listIndexes` returns it. */
export interface IndexSpec extends Document {
  v?: number;
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
}

/** One entry a document contributes to an index: its encoded key and the values behind it. */
interface IndexKey {
  key: string;
  values: unknown[];
}

/**
 * The ids holding one key: the id itself while it is the only one (a unique index, and most keys
 * of any other), a set once a second id arrives. A set per key was the largest part of the heap
 * for big collections: at 300,000 pointer entries with two secondary indexes the stand-in held
 * 672 MB and a full collection took 664 ms of CPU, and those pauses grew with the collection
 * (issue 12: lookups at 1,000,000 practitioners).
 */
type Holders = string | Set<string>;
const NO_IDS: readonly string[] = Object.freeze([]);

/** Options that change what an index means; two specs with the same name must agree on them. */
const MEANINGFUL_OPTIONS = [
  "unique",
  "sparse",
  "partialFilterExpression",
  "expireAfterSeconds",
  "collation",
] as const;

/**
 * An in-memory index over one collection: encoded key → ids of the documents holding it.
 * Follows MongoDB's rules: an array field contributes one key per element (multikey), a missing
 * field is indexed as null unless the index is sparse, and a partial index only holds documents
 * matching its `partialFilterExpression`.
 */
export class Index {
  readonly spec: IndexSpec;
  readonly fields: string[];
  /** Each field's path split at the dots. */
  private readonly paths: string[][];
  /** Per depth `d` (index `d - 1`): encoded key of the first `d` fields → ids holding it. */
  private readonly levels: Array<Map<string, Holders>>;
  /**
   * Per parent depth `d`, once a range read has asked for it (`childrenOf`): each key of the
   * first `d` fields → the keys of the first `d + 1` fields that extend it. Kept only where asked,
   * so collections never read by range carry nothing more.
   */
  private readonly children = new Map<number, Map<string, Set<string>>>();
  private readonly partial: ((doc: Doc) => boolean) | null;
  /**
   * Per field: whether any document added so far reached an array on its path (MongoDB's multikey
   * flag, sticky as the server's). A range over such a field may be met bound by bound by
   * different elements, so the index cannot narrow by all bounds at once (collection.ts).
   */
  private readonly multikey: boolean[];

  constructor(spec: IndexSpec) {
    for (const [field, kind] of Object.entries(spec.key)) {
      if (typeof kind === "string" && kind !== "hashed")
        throw unsupported(`"${kind}" indexes (field ${field})`);
    }
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.paths = this.fields.map((field) => field.split("."));
    this.levels = this.fields.map(() => new Map<string, Holders>());
    this.multikey = this.fields.map(() => false);
    this.partial = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : null;
  }

  get name(): string {
    return this.spec.name;
  }

  get unique(): boolean {
    // The `_id` index is unique without saying so in its spec (listIndexes shows no `unique`).
    return this.spec.unique === true || this.spec.name === "_id_";
  }

  /** True when both specs describe the same index (same keys in the same order and same options). */
  sameAs(other: IndexSpec): boolean {
    if (JSON.stringify(Object.entries(this.spec.key)) !== JSON.stringify(Object.entries(other.key)))
      return false;
    return MEANINGFUL_OPTIONS.every(
      (option) => JSON.stringify(this.spec[option] ?? null) === JSON.stringify(other[option] ?? null),
    );
  }

  /** The keys a document contributes, or none when a sparse/partial index leaves it out. */
  keysFor(doc: Doc): IndexKey[] {
    if (!this.holds(doc)) return [];
    let combos: unknown[][] = [[]];
    for (const field of this.fields) {
      const values = dedupe(pathValues(doc, field, EMPTY_ARRAY_KEY));
      combos = combos.flatMap((prefix) => values.map((value) => [...prefix, value]));
    }
    return combos.map((values) => ({ key: values.map(valueKey).join("\u0000"), values }));
  }

  /**
   * The encoded keys a document contributes at each depth: `[d - 1]` holds the keys of the first
   * `d` fields (the last depth is the full key `keysFor` gives). A filter that pins only the
   * leading fields of a compound index is answered from the shallower level, as MongoDB uses an
   * index prefix.
   */
  levelKeysFor(doc: Doc): string[][] {
    if (!this.holds(doc)) return this.fields.map(() => []);
    const levels: string[][] = [];
    let prefixes = [""];
    this.fields.forEach((field, depth) => {
      const keys = dedupe(pathValues(doc, field, EMPTY_ARRAY_KEY)).map(valueKey);
      prefixes = [
        ...new Set(
          prefixes.flatMap((prefix) => keys.map((key) => (depth === 0 ? key : `${prefix}\u0000${key}`))),
        ),
      ];
      levels.push(prefixes);
    });
    return levels;
  }

  /**
   * The pairs (key of the first `depth` fields, key of the first `depth + 1` fields extending it)
   * a document contributes, given its `levelKeysFor`: each child key is built from its own parent,
   * never split from a key (a string value may itself hold the separator).
   */
  private childPairs(doc: Doc, levels: string[][], depth: number): Array<[string, string]> {
    const next = dedupe(pathValues(doc, this.fields[depth] as string, EMPTY_ARRAY_KEY)).map(valueKey);
    return (levels[depth - 1] ?? []).flatMap((p) =>
      next.map((key): [string, string] => [p, `${p}\u0000${key}`]),
    );
  }

  /**
   * The keys of the first `depth + 1` fields that extend `prefix` (a key of the first `depth`),
   * for a range read on the field after an equality prefix. Built from `docs` (the collection's
   * current documents, as the index holds them) the first time a depth is asked for, then kept up
   * to date by `add` and `remove`.
   */
  childrenOf(prefix: string, depth: number, docs: () => Iterable<[string, Doc]>): Iterable<string> {
    if (depth < 1 || depth >= this.fields.length)
      throw new Error(`index ${this.name} has no children at ${depth}`);
    let byParent = this.children.get(depth);
    if (!byParent) {
      byParent = new Map();
      this.children.set(depth, byParent);
      for (const [, doc] of docs()) this.addChildren(doc, this.levelKeysFor(doc), depth, byParent);
    }
    return byParent.get(prefix) ?? NO_IDS;
  }

  private addChildren(doc: Doc, levels: string[][], depth: number, byParent: Map<string, Set<string>>): void {
    for (const [parent, child] of this.childPairs(doc, levels, depth)) {
      const known = byParent.get(parent);
      if (known) known.add(child);
      else byParent.set(parent, new Set([child]));
    }
  }

  /** Whether the field at `position` of the key pattern ever held an array (see `multikey`). */
  isMultikey(position: number): boolean {
    return this.multikey[position] === true;
  }

  add(id: string, doc: Doc): void {
    const levels = this.levelKeysFor(doc);
    this.paths.forEach((parts, position) => {
      if (!this.multikey[position] && reachesArray(doc, parts)) this.multikey[position] = true;
    });
    for (const [depth, byParent] of this.children) this.addChildren(doc, levels, depth, byParent);
    levels.forEach((keys, depth) => {
      const level = this.level(depth + 1);
      for (const key of keys) {
        const held = level.get(key);
        if (held === undefined) level.set(key, id);
        else if (typeof held !== "string") held.add(id);
        else if (held !== id) level.set(key, new Set([held, id]));
      }
    });
  }

  remove(id: string, doc: Doc): void {
    const levels = this.levelKeysFor(doc);
    levels.forEach((keys, depth) => {
      const level = this.level(depth + 1);
      for (const key of keys) {
        const held = level.get(key);
        if (held === undefined) continue;
        if (typeof held === "string") {
          if (held === id) level.delete(key);
          continue;
        }
        held.delete(id);
        if (held.size === 0) level.delete(key);
        else if (held.size === 1) level.set(key, held.values().next().value as string);
      }
    });
    // A child key goes when no document holds it any more; while one does, it stays.
    for (const [depth, byParent] of this.children) {
      const level = this.level(depth + 1);
      for (const [parent, child] of this.childPairs(doc, levels, depth)) {
        if (level.has(child)) continue;
        const known = byParent.get(parent);
        known?.delete(child);
        if (known?.size === 0) byParent.delete(parent);
      }
    }
  }

  /**
   * The error the server raises when building this index's keys for `doc`, if any: a hashed field
   * holding an array (16766), or two fields of a compound index reaching different arrays
   * (171 CannotIndexParallelArrays: the keys would be the arrays' cross product).
   */
  keyError(doc: Doc): CommandError | null {
    if (!this.holds(doc)) return null;
    const arrays: string[][] = [];
    for (const [position, parts] of this.paths.entries()) {
      const field = this.fields[position] ?? "";
      const found = arrayPrefixes(doc, parts, 0, "", []);
      if (this.spec.key[field] === "hashed" && found.length > 0)
        return new CommandError(
          "Location16766",
          `Error: hashed indexes do not currently support array values. Found array at path: ${found[0]}`,
        );
      for (const earlier of arrays) {
        for (const mine of found) {
          const other = earlier.find((prefix) => !nested(prefix, mine));
          if (other !== undefined)
            return new CommandError(
              "CannotIndexParallelArrays",
              `cannot index parallel arrays [${lastPart(mine)}] [${lastPart(other)}]`,
            );
        }
      }
      arrays.push(found);
    }
    return null;
  }

  /** Each encoded key of the first field with the ids holding it (the TTL pass reads dates here). */
  *firstFieldKeys(): Iterable<[string, Iterable<string>]> {
    for (const [key, held] of this.level(1)) yield [key, typeof held === "string" ? [held] : held];
  }

  /**
   * The seconds after its indexed date a document expires, or null when this is no TTL index: the
   * server's TTL monitor ignores the option on a compound index.
   */
  get expireAfterSeconds(): number | null {
    const seconds: unknown = this.spec.expireAfterSeconds;
    return typeof seconds === "number" && this.fields.length === 1 ? seconds : null;
  }

  /** Ids of the documents holding exactly this encoded key of the first `depth` fields. */
  lookup(key: string, depth = this.fields.length): Iterable<string> {
    const held = this.level(depth).get(key);
    return held === undefined ? NO_IDS : typeof held === "string" ? [held] : held;
  }

  private holds(doc: Doc): boolean {
    if (this.spec.sparse && !this.fields.some((field) => hasPath(doc, field))) return false;
    return !this.partial || this.partial(doc);
  }

  private level(depth: number): Map<string, Holders> {
    const level = this.levels[depth - 1];
    if (!level) throw new Error(`index ${this.name} has no level ${depth}`);
    return level;
  }

  /** The E11000 error MongoDB reports for this index, with `keyPattern` and `keyValue`. */
  duplicateError(ns: string, values: unknown[]): CommandError {
    const keyValue: Record<string, unknown> = {};
    this.fields.forEach(
      (field, i) => (keyValue[field] = values[i] === EMPTY_ARRAY_KEY ? undefined : (values[i] ?? null)),
    );
    const shown = this.fields.map((field, i) => `${field}: ${formatValue(values[i])}`).join(", ");
    return new CommandError(
      "DuplicateKey",
      `E11000 duplicate key error collection: ${ns} index: ${this.name} dup key: { ${shown} }`,
      {
        extra: { keyPattern: { ...this.spec.key }, keyValue },
      },
    );
  }
}

/** The index name MongoDB derives from a key pattern: `field_1_other_-1`. */
export function defaultIndexName(key: Record<string, unknown>): string {
  return Object.entries(key)
    .map(([field, kind]) => `${field}_${String(kind)}`)
    .join("_");
}

/** The mandatory `_id` index every collection has. */
export function idIndexSpec(): IndexSpec {
  return { v: 2, key: { _id: 1 }, name: "_id_" };
}

/**
 * True when `parts` leads to the very same value in both documents (a shared object included):
 * an update copies only the objects on the paths it changes, so an index whose paths all pass
 * here keeps its keys (storage/key-upkeep.ts).
 */
export function sameAt(a: unknown, b: unknown, parts: string[]): boolean {
  let x = a;
  let y = b;
  for (const part of parts) {
    if (x === y) return true;
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
    // A path through an array reaches every element's field (keys.id), not the array's own
    // property: two different arrays read as undefined on both sides and looked the same.
    if (Array.isArray(x) || Array.isArray(y)) return false;
    x = (x as Record<string, unknown>)[part];
    y = (y as Record<string, unknown>)[part];
  }
  return x === y;
}

/** The dotted paths (within `parts`) at which walking from `value` meets an array. */
function arrayPrefixes(value: unknown, parts: string[], i: number, prefix: string, out: string[]): string[] {
  if (Array.isArray(value)) {
    if (!out.includes(prefix)) out.push(prefix);
    if (i < parts.length)
      for (const item of value as unknown[])
        if (isPlainObject(item)) arrayPrefixes(item, parts, i, prefix, out);
    return out;
  }
  if (i === parts.length || !isPlainObject(value)) return out;
  const part = parts[i] ?? "";
  return arrayPrefixes(value[part], parts, i + 1, prefix ? `${prefix}.${part}` : part, out);
}

/** Whether one of two array paths lies within the other (the same array, or one inside the other). */
function nested(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

function lastPart(path: string): string {
  return path.slice(path.lastIndexOf(".") + 1);
}

/** True when walking `parts` from `value` meets an array (on the way or at the end). */
function reachesArray(value: unknown, parts: string[]): boolean {
  let current = value;
  for (const part of parts) {
    if (Array.isArray(current)) return true;
    if (current === null || typeof current !== "object") return false;
    current = (current as Record<string, unknown>)[part];
  }
  return Array.isArray(current);
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const value of values) if (!seen.has(valueKey(value))) seen.set(valueKey(value), value);
  return [...seen.values()];
}

function formatValue(value: unknown): string {
  if (value === EMPTY_ARRAY_KEY) return "undefined";
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}
