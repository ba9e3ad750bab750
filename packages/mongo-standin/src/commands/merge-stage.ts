import { calculateObjectSize, type Document } from "bson";
import { typeName } from "../bson-types.js";
import { CommandError, unsupported } from "../errors.js";
import { deepClone, isPlainObject, valueKey, withId, withPlainNumbers, type Doc } from "../storage/values.js";
import { MAX_BSON_BYTES } from "../wire/frames.js";
import type { CommandContext } from "./context.js";
import { insertOne } from "./write.js";

/**
 * `$merge` as MongoDB 7.0 runs it (document_source_merge.cpp): the spec is parsed and the modes
 * checked before anything is read, explicit `on` fields need a unique index in the target, and
 * every result must hold a scalar on each `on` field. The server writes in batches (up to 16 MB
 * of documents or 100,000 of them) of unordered writes and rolls nothing back; the stand-in cuts
 * the batches at the same limits by the results' BSON size (the server also counts a few bytes of
 * write-op overhead, so a batch boundary may fall one document apart). A failure leaves what the
 * server's would: the batches already written; of the batch being built nothing when an `on`
 * value is bad (checked while it is built), every other write when one write fails (11000, 66)
 * or finds no match (13113).
 */

const WHEN_MATCHED = ["replace", "keepExisting", "merge", "fail"] as const;
const WHEN_NOT_MATCHED = ["insert", "discard", "fail"] as const;
type WhenMatched = (typeof WHEN_MATCHED)[number];
type WhenNotMatched = (typeof WHEN_NOT_MATCHED)[number];

/** The combinations the server accepts (isSupportedMergeMode); any other is 51181. */
const SUPPORTED_MODES: Record<WhenMatched, readonly WhenNotMatched[]> = {
  replace: ["insert", "fail", "discard"],
  merge: ["insert", "fail", "discard"],
  keepExisting: ["insert"],
  fail: ["insert"],
};

const SPEC_FIELDS = new Set(["into", "on", "let", "whenMatched", "whenNotMatched"]);

interface MergeSpec {
  ns: string;
  /** The `on` fields as given, or null for the default `_id` (which needs no index check). */
  on: string[] | null;
  whenMatched: WhenMatched;
  whenNotMatched: WhenNotMatched;
}

/**
 * Parses a `$merge` stage's argument the way the server's IDL and parser do, and checks the
 * target's unique index for `on` (51183) as the server does before it reads a document.
 */
export function parseMergeSpec(raw: unknown, ctx: CommandContext): MergeSpec {
  const spec = parseSpec(raw, ctx.db);
  assertUniqueIndexFor(spec, ctx);
  return spec;
}

function parseSpec(raw: unknown, db: string): MergeSpec {
  if (typeof raw === "string")
    return { ns: targetNs(raw, db), on: null, whenMatched: "merge", whenNotMatched: "insert" };
  if (!isPlainObject(raw))
    throw new CommandError(
      "Location51182",
      `$merge only supports a string or object argument, but found ${typeName(raw)}`,
    );
  for (const field of Object.keys(raw))
    if (!SPEC_FIELDS.has(field))
      throw new CommandError("Location40415", `BSON field '$merge.${field}' is an unknown field.`);
  if (raw.into === undefined)
    throw new CommandError("Location40414", "BSON field '$merge.into' is missing but a required field");
  const ns = targetNs(raw.into, db);
  const on = parseOn(raw.on);
  if (Array.isArray(raw.whenMatched)) throw unsupported("$merge with a pipeline in whenMatched");
  if (raw.whenMatched !== undefined && typeof raw.whenMatched !== "string")
    throw new CommandError(
      "Location51191",
      `$merge 'whenMatched' field must be either a string or an array, but found ${typeName(raw.whenMatched)}`,
    );
  const whenMatched = enumValue(raw.whenMatched ?? "merge", WHEN_MATCHED, "whenMatched");
  const whenNotMatched = enumValue(raw.whenNotMatched ?? "insert", WHEN_NOT_MATCHED, "whenNotMatched");
  if (!SUPPORTED_MODES[whenMatched].includes(whenNotMatched))
    throw new CommandError(
      "Location51181",
      `Combination of $merge modes 'whenMatched: ${whenMatched}' and 'whenNotMatched: ${whenNotMatched}' is not supported`,
    );
  if (raw.let !== undefined)
    throw new CommandError(
      "Location51199",
      `Cannot use 'let' variables with 'whenMatched: ${whenMatched}' mode`,
    );
  return { ns, on, whenMatched, whenNotMatched };
}

/** The namespace `into` names: a collection of this database, or `{ db?, coll }`. */
function targetNs(into: unknown, db: string): string {
  if (typeof into === "string") return validNs(db, into);
  if (!isPlainObject(into))
    throw new CommandError(
      "Location51178",
      `$merge 'into' field must be either a string or an object, but found ${typeName(into)}`,
    );
  for (const field of Object.keys(into))
    if (field !== "db" && field !== "coll")
      throw new CommandError("Location40415", `BSON field '$merge.into.${field}' is an unknown field.`);
  if (into.coll === undefined)
    throw new CommandError("Location40414", "BSON field '$merge.into.coll' is missing but a required field");
  for (const field of ["db", "coll"] as const)
    if (into[field] !== undefined && typeof into[field] !== "string")
      throw new CommandError(
        "TypeMismatch",
        `BSON field '$merge.into.${field}' is the wrong type '${typeName(into[field])}', expected type 'string'`,
      );
  return validNs((into.db as string | undefined) ?? db, into.coll as string);
}

function validNs(db: string, coll: string): string {
  if (db.length === 0 || coll.length === 0 || coll.startsWith("."))
    throw new CommandError("InvalidNamespace", `Invalid $merge target namespace: '${db}.${coll}'`);
  return `${db}.${coll}`;
}

function parseOn(on: unknown): string[] | null {
  if (on === undefined) return null;
  if (typeof on === "string") return [on];
  if (!Array.isArray(on))
    throw new CommandError(
      "Location51186",
      `$merge 'on' field  must be either a string or an array of strings, but found ${typeName(on)}`,
    );
  if (on.length === 0)
    throw new CommandError(
      "Location51187",
      "If explicitly specifying $merge 'on', must include at least one field",
    );
  for (const field of on as unknown[])
    if (typeof field !== "string")
      throw new CommandError(
        "Location51134",
        `$merge 'on' array elements must be strings, but found ${typeName(field)}`,
      );
  return [...new Set(on as string[])];
}

function enumValue<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  if (typeof value !== "string")
    throw new CommandError(
      "TypeMismatch",
      `BSON field '$merge.${field}' is the wrong type '${typeName(value)}', expected type 'string'`,
    );
  throw new CommandError(
    "BadValue",
    `Enumeration value '${value}' for field '$merge.${field}' is not a valid value.`,
  );
}

/**
 * 51183 unless a ready unique, non-partial index of the target has exactly the `on` fields (in
 * any order); a target that does not exist passes only for `on: "_id"`. Only the simple collation
 * exists in the stand-in, so the server's collation comparison always agrees.
 */
function assertUniqueIndexFor(spec: MergeSpec, ctx: CommandContext): void {
  if (!spec.on) return;
  const wanted = new Set(spec.on);
  const collection = ctx.store.collection(spec.ns);
  const supported = collection
    ? collection.indexes.some(
        (index) =>
          index.unique &&
          index.spec.partialFilterExpression === undefined &&
          index.fields.length === wanted.size &&
          index.fields.every((field) => wanted.has(field)),
      )
    : wanted.size === 1 && wanted.has("_id");
  if (!supported)
    throw new CommandError("Location51183", "Cannot find index to verify that join fields will be unique");
}

/**
 * The equality filter on the `on` fields of one result. As the server's path walk: an array on
 * the last part is 51185; an array or a non-document before it makes the field missing, which
 * like null and undefined is 51132.
 */
function onFilter(doc: Doc, on: string[]): Document {
  const filter: Document = {};
  for (const field of on) {
    const parts = field.split(".");
    let value: unknown = doc;
    for (const [i, part] of parts.entries()) {
      value = isPlainObject(value) ? value[part] : undefined;
      if (Array.isArray(value) && i === parts.length - 1)
        throw new CommandError(
          "Location51185",
          "$merge write error: 'on' field cannot be missing, null, undefined or an array",
        );
    }
    if (value === undefined || value === null || Array.isArray(value))
      throw new CommandError(
        "Location51132",
        "$merge write error: 'on' field cannot be missing, null, undefined or an array",
      );
    filter[field] = value;
  }
  return filter;
}

/** The server's write batch limits (write_ops::kMaxWriteBatchSize, BSONObjMaxUserSize). */
const MAX_BATCH_COUNT = 100_000;

interface Pending {
  doc: Doc;
  filter: Document;
}

/**
 * Runs a parsed `$merge` over the pipeline's results in the server's batches: a result is
 * prepared (its `on` values checked) before the batch it would overflow is flushed, so a bad
 * `on` value discards the batch being built but not the batches already written.
 */
export function runMerge(spec: MergeSpec, results: Doc[], ctx: CommandContext): void {
  const on = spec.on ?? ["_id"];
  let batch: Pending[] = [];
  let bytes = 0;
  for (const result of results) {
    const plain = withPlainNumbers(deepClone(result));
    // The server gives a result an _id only when it joins on _id (else the target keeps its own).
    const doc = on.includes("_id") ? withId(plain) : plain;
    const pending = { doc, filter: onFilter(doc, on) };
    const size = calculateObjectSize(doc);
    bytes += size;
    if (batch.length > 0 && (bytes > MAX_BSON_BYTES || batch.length >= MAX_BATCH_COUNT)) {
      flush(spec, batch, ctx);
      batch = [];
      bytes = size;
    }
    batch.push(pending);
  }
  flush(spec, batch, ctx);
}

/** Writes one batch as the server's unordered writes: every write is tried, then the first error raised. */
function flush(spec: MergeSpec, batch: Pending[], ctx: CommandContext): void {
  let firstError: CommandError | null = null;
  let unmatched = false;
  for (const { doc, filter } of batch) {
    try {
      if (!writeOne(spec, doc, filter, ctx)) unmatched = true;
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      firstError ??= error;
    }
  }
  if (firstError) throw withMergeContext(firstError);
  if (unmatched)
    throw new CommandError(
      "MergeStageNoMatchingDocument",
      "$merge could not find a matching document in the target collection for at least one document in the source collection",
    );
}

/** Writes one result; false when it matched nothing and whenNotMatched is "fail". */
function writeOne(spec: MergeSpec, doc: Doc, filter: Document, ctx: CommandContext): boolean {
  // "fail" is an insert: any unique index, not only the `on` one, makes the duplicate.
  if (spec.whenMatched === "fail") {
    insertOne(spec.ns, doc, ctx);
    return true;
  }
  const existing = ctx.access.find(spec.ns, filter)[0];
  if (!existing) {
    if (spec.whenNotMatched === "insert") insertOne(spec.ns, doc, ctx);
    return spec.whenNotMatched !== "fail";
  }
  if (spec.whenMatched === "keepExisting") return true;
  if (doc._id !== undefined && valueKey(doc._id) !== valueKey(existing._id)) {
    throw new CommandError(
      "ImmutableField",
      spec.whenMatched === "merge"
        ? "Performing an update on the path '_id' would modify the immutable field '_id'"
        : "After applying the update, the (immutable) field '_id' was found to have been altered",
    );
  }
  const { _id: _ignored, ...fields } = doc;
  const updated =
    spec.whenMatched === "replace" ? { _id: existing._id, ...fields } : { ...deepClone(existing), ...fields };
  ctx.access.write(spec.ns, [{ id: valueKey(existing._id), doc: updated }]);
  return true;
}

/** The server prefixes a duplicate key met by `$merge` with this context; other errors pass as they are. */
function withMergeContext(error: CommandError): CommandError {
  if (error.codeName !== "DuplicateKey") return error;
  return new CommandError(
    "DuplicateKey",
    `$merge failed due to a DuplicateKey error :: caused by :: ${error.message}`,
    {
      extra: error.extra,
      labels: error.labels,
    },
  );
}
