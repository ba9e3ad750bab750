import { calculateObjectSize, type Document } from "bson";
import { CommandError, unsupported } from "../errors.js";
import { idIndexSpec, Index } from "../indexes.js";
import { applyUpdate, checkUpdateParses, isReplacement, shape, type UpdateSpec } from "../query.js";
import { shareSlots } from "../storage/shared-slots.js";
import { isPlainObject, sameBson, valueKey, withId, type Doc } from "../storage/values.js";
import { seedFromFilter } from "../upsert-seed.js";
import { checkCommandTypes, checkFilterTypes, checkStatementTypes } from "../deprecated-types.js";
import { deprecatedTypeIn } from "../wire/command-decode.js";
import { MAX_BSON_BYTES } from "../wire/frames.js";
import { changedForCertain } from "../update/apply.js";
import { rememberSize } from "../update/size-bound.js";
import { namespaceOf, type CommandContext, type Handler } from "./context.js";
import { findHinted } from "./plan.js";

const ID_INDEX = new Index(idIndexSpec());

/** One entry of `writeErrors` in a write command reply. */
interface WriteError extends Document {
  index: number;
  code: number;
  errmsg: string;
}

/**
 * Runs the statements of a write command one by one. Per MongoDB, a failing statement becomes a
 * `writeErrors` entry (the command itself still answers `ok: 1`); an ordered batch stops at the
 * first failure. A WriteConflict is not a statement error: it fails the whole command so the
 * driver can retry the transaction.
 */
function eachStatement(
  command: Document,
  statements: Document[],
  run: (statement: Document, index: number) => void,
): WriteError[] {
  const ordered = command.ordered !== false;
  const errors: WriteError[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement, index);
    } catch (error) {
      if (
        !(error instanceof CommandError) ||
        error.codeName === "WriteConflict" ||
        error.codeName === "NoSuchTransaction"
      )
        throw error;
      errors.push({ index, code: error.code, errmsg: error.message, ...error.extra });
      if (ordered) break;
    }
  }
  return errors;
}

function withErrors(reply: Document, errors: WriteError[], ctx: CommandContext): Document {
  // A failed statement aborts the transaction it ran in, as on a real server.
  if (errors.length > 0) ctx.txn?.abort();
  return errors.length > 0 ? { ...reply, writeErrors: errors } : reply;
}

/** What the codec decodes each deprecated type as (command-decode.ts). */
const READ_BACK_AS: Readonly<Record<string, string>> = {
  undefined: "null",
  symbol: "a string",
  dbPointer: "a DBRef document",
};

/**
 * Refuses a write command (or one statement of its document sequence) that carried a BSON symbol,
 * undefined or DBPointer: the server stores those deprecated types as they are, but the stand-in
 * decoded them as a string, a missing value (read back as null) and a DBRef document, and would
 * store a different type.
 */
function refuseDeprecatedTypes(decoded: Document): void {
  const type = deprecatedTypeIn(decoded);
  if (type !== undefined)
    throw unsupported(
      `storing a BSON ${type} (a deprecated type, which it would read back as ${READ_BACK_AS[type] ?? "another type"})`,
    );
}

/** Inserts a document (given a fresh object) and returns its `_id`. */
export function insertOne(ns: string, input: Doc, ctx: CommandContext): unknown {
  const doc = withId(input);
  if (Array.isArray(doc._id)) throw new CommandError("BadValue", "can't use an array for _id");
  // The `_id` index makes an insert of an existing `_id` a duplicate, not a replacement.
  if (ctx.access.find(ns, { _id: doc._id }).length > 0) throw ID_INDEX.duplicateError(ns, [doc._id]);
  ctx.access.write(ns, [{ id: valueKey(doc._id), doc }]);
  return doc._id;
}

/** True when an update changed nothing (MongoDB then reports it matched but not modified). */
export function unchanged(before: Doc, after: Doc): boolean {
  return !changedForCertain(after) && sameBson(before, after);
}

/**
 * Performs an upsert's insert: the filter's equality fields seed the document, then the update
 * applies with `$setOnInsert` active. Returns the new document.
 */
function upsertOne(ns: string, filter: Document, spec: UpdateSpec, ctx: CommandContext): Doc {
  const replacement = !Array.isArray(spec.update) && isReplacement(spec.update);
  const doc = withId(applyUpdate(seedFromFilter(filter, replacement), spec, true));
  insertOne(ns, doc, ctx);
  return doc;
}

const insert: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  refuseDeprecatedTypes(command);
  const documents = (command.documents as Document[] | undefined) ?? [];
  let n = 0;
  const errors = eachStatement(command, documents, (doc) => {
    refuseDeprecatedTypes(doc);
    const size = calculateObjectSize(doc);
    if (size > MAX_BSON_BYTES)
      throw new CommandError(
        "BadValue",
        `object to insert too large. size in bytes: ${size}, max size: ${MAX_BSON_BYTES}`,
      );
    // Its first update then needs no measuring (size-bound.ts).
    rememberSize(doc, size);
    shareSlots(doc);
    insertOne(ns, doc, ctx);
    n += 1;
  });
  return withErrors({ n }, errors, ctx);
};

const update: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  refuseDeprecatedTypes(command);
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const errors = eachStatement(
    command,
    (command.updates as Document[] | undefined) ?? [],
    (statement, index) => {
      // The filter first, for the server's own errors (a comparison with undefined).
      if (isPlainObject(statement.q)) checkFilterTypes(statement.q);
      refuseDeprecatedTypes(statement);
      const filter = (statement.q as Document | undefined) ?? {};
      const spec: UpdateSpec = {
        update: statement.u as Document,
        arrayFilters: statement.arrayFilters as Document[] | undefined,
        filter,
      };
      let targets = findHinted(ns, filter, statement.hint, ctx);
      if (statement.multi !== true)
        targets = shape(targets, { sort: statement.sort as Document | undefined, limit: 1 });
      if (targets.length === 0 && statement.upsert === true) {
        const doc = upsertOne(ns, filter, spec, ctx);
        upserted.push({ index, _id: doc._id });
        n += 1;
        return;
      }
      if (targets.length === 0) checkUpdateParses(spec);
      for (const target of targets) {
        const after = applyUpdate(target, spec, false);
        n += 1;
        if (unchanged(target, after)) continue;
        ctx.access.write(ns, [{ id: valueKey(target._id), doc: after }]);
        nModified += 1;
      }
    },
  );
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return withErrors(reply, errors, ctx);
};

const del: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  let n = 0;
  const errors = eachStatement(command, (command.deletes as Document[] | undefined) ?? [], (statement) => {
    checkStatementTypes(statement, "q");
    let targets = findHinted(ns, (statement.q as Document | undefined) ?? {}, statement.hint, ctx);
    if (statement.limit === 1) targets = targets.slice(0, 1);
    if (targets.length === 0) return;
    ctx.access.write(
      ns,
      targets.map((doc) => ({ id: valueKey(doc._id), doc: null })),
    );
    n += targets.length;
  });
  return withErrors({ n }, errors, ctx);
};

/** `findAndModify`: errors are top-level (`ok: 0` with `keyPattern`/`keyValue` for E11000). */
const findAndModify: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  if (isPlainObject(command.query)) checkFilterTypes(command.query);
  if (command.remove !== true) refuseDeprecatedTypes(command);
  else checkCommandTypes("findAndModify", command);
  const filter = (command.query as Document | undefined) ?? {};
  const projection = command.fields as Document | undefined;
  const present = (doc: Doc | null): Doc | null =>
    doc ? (shape([doc], { projection, filter })[0] ?? null) : null;
  const target = shape(findHinted(ns, filter, command.hint, ctx), {
    sort: command.sort as Document | undefined,
    limit: 1,
  })[0];
  if (command.remove === true) {
    if (!target) return { lastErrorObject: { n: 0 }, value: null };
    ctx.access.write(ns, [{ id: valueKey(target._id), doc: null }]);
    return { lastErrorObject: { n: 1 }, value: present(target) };
  }
  if (command.update === undefined)
    throw new CommandError("FailedToParse", "Either an update or remove=true must be specified");
  const spec: UpdateSpec = {
    update: command.update as Document,
    arrayFilters: command.arrayFilters as Document[] | undefined,
    filter,
  };
  if (!target) {
    if (command.upsert !== true) {
      checkUpdateParses(spec);
      return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
    }
    const doc = upsertOne(ns, filter, spec, ctx);
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
      value: command.new === true ? present(doc) : null,
    };
  }
  const after = applyUpdate(target, spec, false);
  if (!unchanged(target, after)) ctx.access.write(ns, [{ id: valueKey(target._id), doc: after }]);
  return {
    lastErrorObject: { n: 1, updatedExisting: true },
    value: present(command.new === true ? after : target),
  };
};

/** Write commands. */
export const writeCommands: Record<string, Handler> = {
  insert,
  update,
  delete: del,
  findAndModify,
  findandmodify: findAndModify,
};
