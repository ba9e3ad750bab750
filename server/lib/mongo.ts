import mongoose, {
  type ClientSession,
  type Connection,
  type Model,
  type QueryFilter,
  type Schema,
  type UpdateQuery,
} from "mongoose";
import { duplicateKeyFields } from "./errors.js";

/**
 * Opens this node's own mongoose connection. Models are registered per connection (never on the
 * global mongoose), so tests and the demo can run several nodes in one process.
 */
export async function connectMongo(
  uri: string,
  options: { dbName?: string; monitorCommands?: boolean } = {},
): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    dbName: options.dbName,
    // The driver's command events (`commandStarted` on conn.getClient()): tests count round trips.
    ...(options.monitorCommands ? { monitorCommands: true } : {}),
    serverSelectionTimeoutMS: 10_000,
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}

/**
 * Why a database server cannot carry a node, from its `hello` reply, or null when it can. Every
 * multi-document change runs in a transaction, which MongoDB allows only on a replica set member
 * (hello names its `setName`) or through a mongos (`msg: "isdbgrid"`). A standalone mongod
 * answered every read and `/readyz` said ready, while every grading, booking and issuance failed.
 * The project's stand-in answers as a one-member replica set, so it passes as such.
 */
export function replicaSetProblem(hello: Record<string, unknown>): string | null {
  if (typeof hello.setName === "string" && hello.setName !== "") return null;
  if (hello.msg === "isdbgrid") return null;
  return (
    "the database is not a replica set (its hello names no setName, and it is no mongos): " +
    "roadcert writes in transactions, which MongoDB allows only on a replica set; " +
    "run mongod with --replSet and rs.initiate() (one member is enough) and name it in MONGODB_URI (?replicaSet=rs0)"
  );
}

/** Asks the server `hello` and throws replicaSetProblem's reason when it cannot carry transactions. */
export async function assertReplicaSet(conn: Connection): Promise<void> {
  const hello = await conn.getClient().db("admin").command({ hello: 1 });
  const problem = replicaSetProblem(hello);
  if (problem) throw new Error(problem);
}

/**
 * Waits for every model registered on `conn` to have built its indexes, and throws naming each
 * model and index that failed. mongoose starts the builds when a model is registered (autoIndex)
 * but keeps their failure to itself: a release adding a unique index over data that already had
 * duplicates started silently, and the duplicate-key guards that rely on the index did nothing.
 */
export async function buildIndexes(conn: Connection): Promise<void> {
  const models = Object.values(conn.models);
  const outcomes = await Promise.allSettled(models.map((model) => model.init()));
  const failures = outcomes.flatMap((outcome, i) => {
    const model = models[i];
    if (outcome.status === "fulfilled" || !model) return [];
    const message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    // MongoDB and the stand-in both name the index in a duplicate-key refusal ("index: username_1").
    const index = /index: (\S+)/.exec(message)?.[1];
    const which = index
      ? `index ${index}`
      : `one of its indexes (${model.schema
          .indexes()
          .map(([fields]) => JSON.stringify(fields))
          .join(", ")})`;
    return [`model ${model.modelName} (collection ${model.collection.name}): ${which}: ${message}`];
  });
  if (failures.length > 0)
    throw new Error(`index builds failed, the node does not start:\n  - ${failures.join("\n  - ")}`);
}

/**
 * The database server's clock (`hello`'s localTime): the one clock every instance of a node shares,
 * the clock the outbox and the exchange sender decide by ($$NOW). For decisions an officer sees,
 * where the time also has to appear in the answer, so a literal is needed rather than $$NOW.
 */
export async function databaseTime(conn: Connection): Promise<Date> {
  const hello = await conn.getClient().db("admin").command({ hello: 1 });
  const at: unknown = hello.localTime;
  if (!(at instanceof Date)) throw new Error("the database's hello reply carries no localTime");
  return at;
}

/** Describes a URI for logs without its credentials. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, "//***@");
}

/**
 * The connection's model `name`, registered on first use (models live per connection, see
 * connectMongo), typed as `Model<T>`. A cast, not `conn.model<T>(name, schema)`: that overload makes
 * the checker compare the inferred schema types with `Model<T>` structurally, which ran tsc out of
 * memory (over 5 GB at the hub's models); the cast states the same type at no cost.
 */
export function modelOn<T>(conn: Connection, name: string, schema: Schema, collection?: string): Model<T> {
  return (conn.models[name] ?? conn.model(name, schema, collection)) as unknown as Model<T>;
}

/**
 * Inside the transaction `session`, claims every document matching `filter` by writing it (an `$inc`
 * of `counter`, a field kept for nothing else). A concurrent transaction that writes one of them too
 * (a cancellation, a withdrawal, a retirement, another booking of the room) then conflicts with this
 * one: MongoDB commits one, aborts the other with a retryable WriteConflict, and the retry sees the
 * first. Reading the documents would not do: both transactions would pass their checks, each on its
 * own snapshot. `filter` states the condition the claim depends on; returns how many matched.
 */
export async function claimInTransaction<T>(
  model: Model<T>,
  filter: QueryFilter<T>,
  counter: keyof T & string,
  session: ClientSession,
  /** Fields the claim also records, in the same write (e.g. when it happened). */
  set?: Partial<Record<keyof T & string, unknown>>,
): Promise<number> {
  const update = { $inc: { [counter]: 1 }, ...(set ? { $set: set } : {}) } as UpdateQuery<T>;
  const r = await model.updateMany(filter, update, { session });
  return r.matchedCount;
}

/**
 * An error that makes the driver's `withTransaction` (and so `conn.transaction`) run the whole
 * transaction again, as a write conflict does: for a try that found something missing from its
 * snapshot which has been put right since (e.g. a lock document created outside it).
 */
export function retryTransaction(message: string): Error {
  const err = new mongoose.mongo.MongoError(message);
  err.addErrorLabel("TransientTransactionError");
  return err;
}

/**
 * Whether `err` is MongoDB's duplicate-key refusal (E11000), on a unique index over `field` when
 * one is named: a racing insert or upsert that lost, which callers answer or retry.
 */
export function isDuplicateKey(err: unknown, field?: string): boolean {
  const fields = duplicateKeyFields(err);
  return fields !== null && (!field || fields.includes(field));
}

/** A lean read returns BSON Binary for Buffer paths; callers want the bytes. */
export function binaryToBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  const inner = (data as { buffer?: unknown } | null)?.buffer;
  if (inner instanceof Uint8Array) return Buffer.from(inner.buffer, inner.byteOffset, inner.byteLength);
  throw new Error("stored data is not binary");
}

/**
 * The first `limit` documents matching `filter` in `sort` order, and how many match in all (one
 * count on the same filter): what a list that shows only its first page needs to say so.
 */
export async function firstWithTotal<T>(
  model: Model<T>,
  filter: Record<string, unknown>,
  sort: Record<string, 1 | -1>,
  limit: number,
): Promise<{ rows: T[]; total: number }> {
  const [rows, total] = await Promise.all([
    model
      .find(filter as QueryFilter<T>)
      .sort(sort)
      .limit(limit)
      .lean<T[]>(),
    model.countDocuments(filter as QueryFilter<T>),
  ]);
  return { rows, total };
}

/** How many entries of a sequence-numbered log one page of a full walk reads. */
const WALK_PAGE = 1000;

/**
 * Calls `visit` on every document of a log with a unique numeric `seq`, in ascending order, one
 * page at a time, until it answers "stop": memory stays one page however long the log grows (a hash-chain verification
 * reads every entry, and the logs only grow).
 */
export async function forEachInSeqOrder<T extends { seq: number }>(
  model: Model<T>,
  visit: (doc: T) => void | "stop",
): Promise<void> {
  let after = -Infinity;
  for (;;) {
    const page = await model
      .find((Number.isFinite(after) ? { seq: { $gt: after } } : {}) as QueryFilter<T>)
      .sort({ seq: 1 })
      .limit(WALK_PAGE)
      .lean<T[]>();
    for (const doc of page) if (visit(doc) === "stop") return;
    const last = page.at(-1);
    if (!last || page.length < WALK_PAGE) return;
    after = last.seq;
  }
}

/**
 * One page of a list read newest first by `time`, ties broken by `tie` (descending), after the
 * opaque cursor `before` that the previous page answered as `next` (`<time ISO>~<tie>`; callers
 * check its shape at the edge). `total` counts the whole filter. Ordering by a unique tie-break
 * is what keeps a page boundary between equal times from repeating or skipping a row (a batch
 * issued or registered at one instant).
 */
export async function newestPage<T>(
  model: Model<T>,
  filter: Record<string, unknown>,
  order: { time: string; tie: string },
  before: string | undefined,
  limit: number,
): Promise<{ rows: T[]; total: number; next: string | null }> {
  let page = filter;
  if (before) {
    const cut = before.indexOf("~");
    const at = new Date(before.slice(0, cut));
    const raw = before.slice(cut + 1);
    const tie = order.tie === "_id" ? new mongoose.Types.ObjectId(raw) : raw;
    page = {
      $and: [
        filter,
        { $or: [{ [order.time]: { $lt: at } }, { [order.time]: at, [order.tie]: { $lt: tie } }] },
      ],
    };
  }
  const [found, total] = await Promise.all([
    model
      .find(page as QueryFilter<T>)
      .sort({ [order.time]: -1, [order.tie]: -1 })
      .limit(limit + 1)
      .lean<T[]>(),
    model.countDocuments(filter as QueryFilter<T>),
  ]);
  const rows = found.slice(0, limit);
  const last = rows.at(-1) as Record<string, unknown> | undefined;
  const next =
    found.length > limit && last
      ? `${new Date(last[order.time] as Date).toISOString()}~${String(last[order.tie])}`
      : null;
  return { rows, total, next };
}
