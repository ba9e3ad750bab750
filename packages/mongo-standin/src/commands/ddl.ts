import type { Document } from "bson";
import { CommandError, unsupported } from "../errors.js";
import { defaultIndexName, idIndexSpec, type IndexSpec } from "../indexes.js";
import { compileFilter } from "../query.js";
import { splitNs } from "../storage/store.js";
import { namespaceOf, type Handler } from "./context.js";
import { assertIndexOptions } from "./index-options.js";

const create: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  for (const option of ["viewOn", "timeseries", "capped", "clusteredIndex"]) {
    if (command[option] !== undefined && command[option] !== false)
      throw unsupported(`collections created with "${option}"`);
  }
  const options: Document = {};
  for (const [key, value] of Object.entries(command)) {
    if (
      ![
        "create",
        "$db",
        "lsid",
        "txnNumber",
        "autocommit",
        "startTransaction",
        "writeConcern",
        "$clusterTime",
        "$readPreference",
      ].includes(key)
    )
      options[key] = value;
  }
  ctx.store.create(ns, options);
  return {};
};

/** `drop`: like MongoDB 7, dropping a missing collection succeeds. */
const drop: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  const nIndexesWas = ctx.store.collection(ns)?.indexes.length ?? 0;
  ctx.store.drop(ns);
  return { ns, nIndexesWas };
};

const dropDatabase: Handler = (_command, ctx) => {
  ctx.store.dropDatabase(ctx.db);
  return { dropped: ctx.db };
};

const listCollections: Handler = (command, ctx) => {
  const infos = ctx.store.namespaces(ctx.db).map((ns) => ({
    name: splitNs(ns).coll,
    type: "collection",
    options: ctx.store.collection(ns)?.options ?? {},
    info: { readOnly: false },
    idIndex: idIndexSpec(),
  }));
  const matches = compileFilter((command.filter as Document | undefined) ?? {});
  const selected = infos
    .filter(matches)
    .map((info) => (command.nameOnly === true ? { name: info.name, type: info.type } : info));
  const ns = `${ctx.db}.$cmd.listCollections`;
  return { cursor: ctx.cursors.first(ns, selected, (command.cursor as Document | undefined)?.batchSize) };
};

const listIndexes: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  const collection = ctx.store.collection(ns);
  if (!collection) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ns}`);
  const specs = collection.indexes.map((index) => ({ ...index.spec }));
  return { cursor: ctx.cursors.first(ns, specs, (command.cursor as Document | undefined)?.batchSize) };
};

/**
 * `createIndexes`: an index identical to an existing one is a no-op; the same name with a
 * different definition is 86 IndexKeySpecsConflict; the same keys under another name is 85.
 */
const createIndexes: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  const createdCollectionAutomatically = !ctx.store.collection(ns);
  const collection = ctx.store.ensure(ns);
  const before = collection.indexes.length;
  for (const raw of (command.indexes as Document[] | undefined) ?? []) {
    const key = raw.key as Record<string, unknown> | undefined;
    if (!key || Object.keys(key).length === 0)
      throw new CommandError("BadValue", "Index key pattern must be a non-empty object");
    const { key: _key, name: _name, v: _v, background: _background, ...options } = raw;
    assertIndexOptions(key, options);
    const spec: IndexSpec = {
      v: 2,
      key,
      name: typeof raw.name === "string" ? raw.name : defaultIndexName(key),
      ...options,
    };
    const sameName = collection.indexes.find((index) => index.name === spec.name);
    if (sameName) {
      if (sameName.sameAs(spec)) continue;
      throw new CommandError(
        "IndexKeySpecsConflict",
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
      );
    }
    const sameKeys = collection.indexes.find(
      (index) => JSON.stringify(Object.entries(index.spec.key)) === JSON.stringify(Object.entries(key)),
    );
    if (sameKeys) {
      throw new CommandError(
        "IndexOptionsConflict",
        `Index already exists with a different name: ${sameKeys.name}`,
      );
    }
    ctx.store.createIndex(ns, spec);
  }
  const after = collection.indexes.length;
  const reply: Document = {
    createdCollectionAutomatically,
    numIndexesBefore: before,
    numIndexesAfter: after,
  };
  if (before === after) reply.note = "all indexes already exist";
  return reply;
};

const dropIndexes: Handler = (command, ctx) => {
  const ns = namespaceOf(command, ctx);
  const collection = ctx.store.collection(ns);
  if (!collection) throw new CommandError("NamespaceNotFound", `ns not found ${ns}`);
  const nIndexesWas = collection.indexes.length;
  const wanted = command.index;
  let names: string[];
  if (wanted === "*") names = collection.indexes.slice(1).map((index) => index.name);
  else if (typeof wanted === "string") names = [wanted];
  else if (Array.isArray(wanted)) names = wanted.map(String);
  else {
    const match = collection.indexes.find(
      (index) => JSON.stringify(index.spec.key) === JSON.stringify(wanted),
    );
    if (!match)
      throw new CommandError("IndexNotFound", `can't find index with key: ${JSON.stringify(wanted)}`);
    names = [match.name];
  }
  for (const name of names) {
    if (name === "_id_") throw new CommandError("InvalidOptions", "cannot drop _id index");
    if (!collection.indexes.some((index) => index.name === name))
      throw new CommandError("IndexNotFound", `index not found with name [${name}]`);
  }
  for (const name of names) ctx.store.dropIndex(ns, name);
  return { nIndexesWas };
};

/** `renameCollection` (an admin command taking full namespaces). */
const renameCollection: Handler = (command, ctx) => {
  const from = String(command.renameCollection);
  const to = String(command.to);
  if (!ctx.store.collection(from))
    throw new CommandError("NamespaceNotFound", `Source collection ${from} does not exist`);
  if (ctx.store.collection(to)) {
    if (command.dropTarget !== true) throw new CommandError("NamespaceExists", "target namespace exists");
    ctx.store.drop(to);
  }
  ctx.store.rename(from, to);
  return {};
};

/** Collection, database and index management commands. */
export const ddlCommands: Record<string, Handler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  listIndexes,
  createIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  renameCollection,
};
