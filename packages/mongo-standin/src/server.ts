import net from "node:net";
import { Int32, Long, type Document } from "bson";
import type { Logger } from "pino";
import { countOperation, newServerStats, type CommandContext, type ServerStats } from "./commands/context.js";
import { commandName, runCommand } from "./commands/registry.js";
import { dryRun, mayWriteMany, writtenNamespaces } from "./dry-run.js";
import { Cursors } from "./cursors.js";
import { checkDatabaseName } from "./database-names.js";
import { CommandError, ProtocolError } from "./errors.js";
import { InProgress } from "./in-progress.js";
import type { Store } from "./storage/store.js";
import { plainDbRefs } from "./storage/values.js";
import { Sessions } from "./sessions.js";
import { DirectAccess, DryRun, MustWait, type Transaction, type WaitingFor } from "./transactions.js";
import { FrameReader, frameHeader, OpCode, type Frame } from "./wire/frames.js";
import {
  encodeOpMsg,
  encodeOpReply,
  MORE_TO_COME,
  parseOpMsg,
  parseOpQuery,
  type ReplyParts,
} from "./wire/op-msg.js";

/** The shared state every connection serves from. */
export interface ServerState {
  store: Store;
  sessions: Sessions;
  cursors: Cursors;
  logger: Logger | undefined;
  /** `host:port` clients dial (set once listening). */
  address: string;
  stats: ServerStats;
  /** The commands waiting for an open transaction (`currentOp`). */
  inProgress: InProgress;
  /**
   * Commands run twice, a dry run first (dry-run.ts): a cost every such write pays, counted so
   * tests can tell when one is made.
   */
  dryRuns: number;
}

/** Creates the state shared by all connections of one server. */
export function createServerState(store: Store, logger: Logger | undefined, persistent = false): ServerState {
  return {
    store,
    sessions: new Sessions(store),
    cursors: new Cursors(),
    logger,
    address: "",
    stats: newServerStats(persistent),
    inProgress: new InProgress(),
    dryRuns: 0,
  };
}

/**
 * A command's reply, and when what it wrote is durable (null: it wrote nothing to journal); or,
 * with `waitFor`, no reply yet: the command changed nothing and must run again once that open
 * transaction has ended (`MustWait`).
 */
export interface Executed {
  reply: Document;
  durable: Promise<void> | null;
  waitFor?: Transaction;
}

/**
 * Runs one command document and returns its reply (never throws): errors become
 * `{ ok: 0, ... }`. A command that fails inside a transaction aborts it, as on the server.
 */
export function execute(
  command: Document,
  db: string,
  state: ServerState,
  connectionId: number,
  rerun = false,
): Executed {
  const started = performance.now();
  const reply = run(command, db, state, connectionId, rerun);
  if (reply instanceof MustWait) return { reply: {}, durable: state.store.flush(), waitFor: reply.holder };
  const ms = performance.now() - started;
  if (ms >= SLOW_COMMAND_MS)
    state.logger?.warn({ ...describe(command), ms: Math.round(ms) }, "mongo-standin: slow command");
  return { reply, durable: state.store.flush() };
}

/**
 * A command that holds the (single) thread this long is logged, as mongod logs operations slower
 * than its `slowms` (100 ms by default): every other client waits behind it.
 */
const SLOW_COMMAND_MS = 100;

/** What a slow-command line names: the command, its collection and the fields its filter uses (no values). */
function describe(command: Document): Document {
  const name = commandName(command);
  const statement =
    (command.updates as Document[] | undefined)?.[0] ?? (command.deletes as Document[] | undefined)?.[0];
  const filter = (command.filter ?? command.query ?? statement?.q) as Document | undefined;
  const statements = (command.updates ?? command.deletes ?? command.documents) as unknown[] | undefined;
  return {
    command: name,
    collection: typeof command[name] === "string" ? command[name] : undefined,
    filterFields: filter ? Object.keys(filter) : undefined,
    statements: statements?.length,
    inTransaction: command.autocommit === false,
  };
}

/**
 * `rerun`: the command waited for a transaction and runs again; it was counted in opcounters the
 * first time (the server counts it once).
 */
function run(
  command: Document,
  db: string,
  state: ServerState,
  connectionId: number,
  rerun: boolean,
): Document | MustWait {
  const name = commandName(command);
  let txn: Transaction | null = null;
  try {
    const badName = checkDatabaseName(db);
    if (badName) throw new CommandError("InvalidNamespace", `Invalid database name: '${db}' (${badName})`);
    txn = state.sessions.transactionFor(command, name);
    const retryable = txn ? null : state.sessions.retryableWrite(command, name, statementCount(command));
    if (retryable && "replay" in retryable) return retryable.replay;
    const waitingFor: WaitingFor = (ns, changes) => state.sessions.waitingFor(ns, changes);
    const ctx: CommandContext = {
      db,
      store: state.store,
      access: txn ?? new DirectAccess(state.store, waitingFor),
      txn,
      sessions: state.sessions,
      cursors: state.cursors,
      address: state.address,
      connectionId,
      logger: state.logger,
      stats: state.stats,
      inProgress: state.inProgress,
    };
    if (!rerun) countOperation(state.stats, name, command);
    if (
      !txn &&
      mayWriteMany(name, command) &&
      state.sessions.mayWaitOn(writtenNamespaces(name, command, db))
    ) {
      state.dryRuns += 1;
      const waits = dryRun(command, { ...ctx, access: new DryRun(state.store, waitingFor) });
      if (waits) return waits;
    }
    const reply = { ...runCommand(command, ctx), ok: 1 };
    if (retryable) retryable.record(reply);
    return reply;
  } catch (error) {
    if (error instanceof MustWait) return error;
    if (txn && name !== "abortTransaction") txn.abort();
    if (error instanceof CommandError) return error.toReply();
    state.logger?.error({ err: error, command: name }, "mongo-standin: command failed unexpectedly");
    return { ok: 0, errmsg: (error as Error).message, code: 1, codeName: "InternalError" };
  }
}

/** How many statements a write command holds (one for findAndModify), as a resend must repeat them. */
function statementCount(command: Document): number {
  const statements = command.documents ?? command.updates ?? command.deletes;
  return Array.isArray(statements) ? statements.length : 1;
}

let nextConnectionId = 1;

/** The name `$ref` as BSON writes it (a C string), which every encoded DBRef holds. */
const DBREF_NAME = Buffer.from("$ref\u0000", "utf8");

/**
 * Serves one TCP connection: frames in, replies out, in order. A protocol violation (bad
 * length, unknown opcode, invalid BSON) closes this connection only, with a logged reason.
 */
export function serveConnection(socket: net.Socket, state: ServerState): void {
  const connectionId = nextConnectionId++;
  state.stats.connections.current += 1;
  state.stats.connections.totalCreated += 1;
  let closed = false;
  socket.on("close", () => {
    closed = true;
    state.stats.connections.current -= 1;
  });
  const reader = new FrameReader();
  /** Frames received while a command of this connection waits for a transaction; handled in order after it. */
  const queued: Frame[] = [];
  let waiting = false;
  let replyId = 1;
  const reply = (frame: Frame, opCode: number, [prefix, document]: ReplyParts): void => {
    const bodyLength = prefix.length + document.length;
    state.stats.network.bytesOut += 16 + bodyLength;
    // One writev of the three parts (corked), not one buffer joined from them.
    socket.cork();
    socket.write(frameHeader(replyId++, frame.requestId, opCode, bodyLength));
    socket.write(prefix);
    socket.write(document);
    socket.uncork();
  };
  /** Replies still waiting for their journal sync; later replies queue behind them, in order. */
  let syncing: Promise<void> | null = null;
  const replyWhenDurable = (
    frame: Frame,
    { reply: result, durable }: Executed,
    encode: (document: Document) => ReplyParts,
    opCode: number,
  ): void => {
    if (!durable && !syncing) {
      reply(frame, opCode, encode(result));
      return;
    }
    const send = (): void => reply(frame, opCode, encode(result));
    const failed = (error: unknown): void => {
      state.logger?.error({ err: error, connectionId }, "mongo-standin: journal sync failed");
      reply(
        frame,
        opCode,
        encode({
          ok: 0,
          errmsg: `journal sync failed: ${(error as Error).message}`,
          code: 1,
          codeName: "InternalError",
        }),
      );
    };
    const chained = (syncing ?? Promise.resolve()).then(() => durable).then(send, failed);
    syncing = chained;
    void chained.then(() => {
      if (syncing === chained) syncing = null;
    });
  };
  /**
   * Runs a command; one that must wait for an open transaction (`Executed.waitFor`) is run again
   * once that transaction has ended, or answers 50 MaxTimeMSExpired when its `maxTimeMS` runs out
   * first. Meanwhile this connection's later frames wait in `queued`.
   */
  const executeWaiting = (command: Document, db: string, done: (result: Executed) => void): void => {
    const started = Date.now();
    const attempt = (rerun: boolean): void => {
      const result = execute(command, db, state, connectionId, rerun);
      if (!result.waitFor) {
        done(result);
        return;
      }
      waiting = true;
      const listed = state.inProgress.begin(command, db, connectionId);
      awaitEnd(result.waitFor, maxTimeLeft(command, started), (timedOut) => {
        listed();
        waiting = false;
        if (closed) return;
        if (timedOut)
          done({
            reply: new CommandError("MaxTimeMSExpired", "operation exceeded time limit").toReply(),
            durable: null,
          });
        else attempt(true);
        drain();
      });
    };
    attempt(false);
  };
  const handle = (frame: Frame): void => {
    // As mongod counts them: every message received, so a bulk write of 200 statements is one.
    state.stats.network.numRequests += 1;
    state.stats.network.bytesIn += frame.body.length + 16;
    if (frame.opCode === OpCode.MSG) {
      let message: ReturnType<typeof parseOpMsg>;
      try {
        message = parseOpMsg(frame.body);
      } catch (error) {
        if (!(error instanceof CommandError)) throw error;
        if ((frame.body.readUInt32LE(0) & MORE_TO_COME) === 0)
          reply(frame, OpCode.MSG, encodeOpMsg(error.toReply()));
        return;
      }
      // A DBRef is decoded only from a sub-document with a `$ref` field, so a command whose bytes
      // never hold that name holds none: walking every statement of a save's bulk for one was a
      // twentieth of the stand-in's time per statement (issue 17).
      const command = frame.body.includes(DBREF_NAME) ? plainDbRefs(message.command) : message.command;
      const db = typeof command.$db === "string" ? command.$db : "admin";
      executeWaiting(command, db, (result) => {
        if (!message.moreToCome) replyWhenDurable(frame, result, encodeOpMsg, OpCode.MSG);
      });
    } else if (frame.opCode === OpCode.QUERY) {
      // Drivers open every connection with a legacy OP_QUERY `isMaster` on `admin.$cmd`.
      const { collection, query } = parseOpQuery(frame.body);
      if (!collection.endsWith(".$cmd"))
        throw new ProtocolError(`legacy OP_QUERY on ${collection} is not supported`);
      executeWaiting(query, collection.slice(0, -".$cmd".length), (result) =>
        replyWhenDurable(frame, result, encodeOpReply, OpCode.REPLY),
      );
    } else {
      throw new ProtocolError(`unsupported opcode ${frame.opCode}`);
    }
  };
  const protocolError = (error: unknown): void => {
    state.logger?.warn(
      { err: error, connectionId },
      "mongo-standin: closing connection after a protocol error",
    );
    socket.destroy();
  };
  /** Handles the queued frames in order, until one's command waits for a transaction. */
  const drain = (): void => {
    try {
      while (!waiting && !closed) {
        const frame = queued.shift();
        if (!frame) return;
        handle(frame);
      }
    } catch (error) {
      protocolError(error);
    }
  };
  socket.on("data", (chunk: Buffer) => {
    try {
      for (const frame of reader.push(chunk)) queued.push(frame);
    } catch (error) {
      protocolError(error);
      return;
    }
    drain();
  });
  socket.on("error", (error) =>
    state.logger?.debug({ err: error, connectionId }, "mongo-standin: connection error"),
  );
}

/**
 * Calls `wake(false)` on a later turn once `txn` has ended (never inside the command that ended
 * it), or `wake(true)` once `maxTimeMs` (null: none) has passed first. The transaction's lifetime
 * bounds the wait: past it the transaction is aborted, as the server's reaper aborts it.
 */
function awaitEnd(txn: Transaction, maxTimeMs: number | null, wake: (timedOut: boolean) => void): void {
  let settled = false;
  const timers: NodeJS.Timeout[] = [];
  const settle = (timedOut: boolean): void => {
    if (settled) return;
    settled = true;
    for (const timer of timers) clearTimeout(timer);
    setImmediate(() => wake(timedOut));
  };
  txn.whenEnded(() => settle(false));
  if (settled) return;
  // Unreferenced: a stand-in being stopped aborts every transaction, which wakes these anyway.
  timers.push(setTimeout(() => txn.abort(), txn.remainingMs() + 1).unref());
  if (maxTimeMs !== null) timers.push(setTimeout(() => settle(true), maxTimeMs).unref());
}

/** What is left of a command's `maxTimeMS` (null when it has none) since `started`. */
function maxTimeLeft(command: Document, started: number): number | null {
  const given: unknown = command.maxTimeMS;
  const max =
    typeof given === "number" ? given : given instanceof Long || given instanceof Int32 ? Number(given) : 0;
  return max > 0 ? Math.max(0, max - (Date.now() - started)) : null;
}
