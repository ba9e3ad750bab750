import { Long, type Document } from "bson";
import { CommandError } from "../errors.js";
import { compileFilter, shape } from "../query.js";
import type { CommandContext, Handler } from "./context.js";
import { SET_NAME, VERSION } from "./handshake.js";
import { findHinted, winningPlan } from "./plan.js";

/**
 * `serverStatus` with the sections drivers, mongoose and monitoring tools read: identity and
 * uptime, connections, network (requests and bytes), opcounters, memory, the replica-set view and the storage engine.
 */
const serverStatus: Handler = (_command, ctx) => {
  const stats = ctx.stats;
  const uptimeMillis = Date.now() - stats.startedAt;
  const memory = process.memoryUsage();
  const counters = Object.fromEntries(
    Object.entries(stats.opcounters).map(([name, value]) => [name, Long.fromNumber(value)]),
  );
  return {
    host: ctx.address,
    version: VERSION,
    process: "mongod",
    pid: Long.fromNumber(process.pid),
    uptime: Math.floor(uptimeMillis / 1000),
    uptimeMillis: Long.fromNumber(uptimeMillis),
    uptimeEstimate: Long.fromNumber(Math.floor(uptimeMillis / 1000)),
    localTime: new Date(),
    asserts: { regular: 0, warning: 0, msg: 0, user: 0, tripwire: 0, rollovers: 0 },
    connections: {
      current: stats.connections.current,
      available: 1_000_000 - stats.connections.current,
      totalCreated: stats.connections.totalCreated,
      active: stats.connections.current,
    },
    mem: {
      bits: 64,
      resident: Math.round(memory.rss / 1024 / 1024),
      virtual: Math.round(memory.rss / 1024 / 1024),
      supported: true,
    },
    network: {
      bytesIn: Long.fromNumber(stats.network.bytesIn),
      bytesOut: Long.fromNumber(stats.network.bytesOut),
      numRequests: Long.fromNumber(stats.network.numRequests),
    },
    opcounters: counters,
    repl: {
      setName: SET_NAME,
      setVersion: 1,
      isWritablePrimary: true,
      secondary: false,
      hosts: [ctx.address],
      primary: ctx.address,
      me: ctx.address,
    },
    storageEngine: {
      name: "mongo-standin",
      supportsCommittedReads: true,
      persistent: stats.persistent,
    },
  };
};

/** What an explained command reads: its namespace, filter and hint. */
function readTarget(
  inner: Document,
  ctx: CommandContext,
): { ns: string; filter: Document; hint: unknown; stage: string } {
  const name = Object.keys(inner)[0] ?? "";
  const coll = inner[name];
  if (typeof coll !== "string")
    throw new CommandError("BadValue", `explain: ${name} needs a collection name`);
  const ns = `${ctx.db}.${coll}`;
  switch (name) {
    case "find":
      return { ns, filter: (inner.filter as Document | undefined) ?? {}, hint: inner.hint, stage: "" };
    case "count":
    case "distinct":
      return {
        ns,
        filter: (inner.query as Document | undefined) ?? {},
        hint: inner.hint,
        stage: name.toUpperCase(),
      };
    case "findAndModify":
    case "findandmodify":
      return {
        ns,
        filter: (inner.query as Document | undefined) ?? {},
        hint: inner.hint,
        stage: inner.remove === true ? "DELETE" : "UPDATE",
      };
    case "update": {
      const first = ((inner.updates as Document[] | undefined) ?? [])[0] ?? {};
      return { ns, filter: (first.q as Document | undefined) ?? {}, hint: first.hint, stage: "UPDATE" };
    }
    case "delete": {
      const first = ((inner.deletes as Document[] | undefined) ?? [])[0] ?? {};
      return { ns, filter: (first.q as Document | undefined) ?? {}, hint: first.hint, stage: "DELETE" };
    }
    case "aggregate": {
      const pipeline = (inner.pipeline as Document[] | undefined) ?? [];
      const match = pipeline[0] && "$match" in pipeline[0] ? (pipeline[0].$match as Document) : {};
      return { ns, filter: match, hint: inner.hint, stage: "" };
    }
    default:
      throw new CommandError("CommandNotFound", `Explain failed due to unknown command: ${name}`);
  }
}

/**
 * `explain` of a read or write: the plan the stand-in uses (the index an equality filter is
 * answered from, or a collection scan) and, at `executionStats` verbosity, what running it would
 * return. Explaining a write never performs it, as on the server.
 */
export function explainReply(inner: Document, verbosity: unknown, ctx: CommandContext): Document {
  const target = readTarget(inner, ctx);
  const scan = winningPlan(target.ns, target.filter, target.hint, ctx);
  const plan = target.stage ? { stage: target.stage, inputStage: scan } : scan;
  const reply: Document = {
    explainVersion: "1",
    queryPlanner: {
      namespace: target.ns,
      indexFilterSet: false,
      parsedQuery: target.filter,
      maxIndexedOrSolutionsReached: false,
      maxIndexedAndSolutionsReached: false,
      maxScansToExplodeReached: false,
      winningPlan: plan,
      rejectedPlans: [],
    },
    command: { ...inner, $db: ctx.db },
    serverInfo: {
      host: ctx.address.split(":")[0],
      port: Number(ctx.address.split(":")[1]),
      version: VERSION,
      gitVersion: "mongo-standin",
    },
  };
  if (verbosity === "executionStats" || verbosity === "allPlansExecution") {
    const started = Date.now();
    const examined = ctx.access.find(target.ns, {}).length;
    let matched = findHinted(target.ns, target.filter, target.hint, ctx);
    if (Object.keys(inner)[0] === "find")
      matched = shape(matched, {
        sort: inner.sort as Document | undefined,
        skip: Number(inner.skip ?? 0),
        limit: Number(inner.limit ?? 0),
      });
    const usesIndex = scan.stage === "FETCH";
    reply.executionStats = {
      executionSuccess: true,
      nReturned: matched.length,
      executionTimeMillis: Date.now() - started,
      totalKeysExamined: usesIndex ? matched.length : 0,
      totalDocsExamined: usesIndex ? matched.length : examined,
      executionStages: { ...plan, nReturned: matched.length },
      allPlansExecution: [],
    };
  }
  return reply;
}

const explain: Handler = (command, ctx) => {
  const inner = command.explain;
  if (inner === null || typeof inner !== "object" || Array.isArray(inner))
    throw new CommandError("FailedToParse", "explain command requires a nested object");
  return explainReply(inner as Document, command.verbosity ?? "allPlansExecution", ctx);
};

/** Fields of `currentOp` that are its options or generic command arguments, not its filter. */
const CURRENT_OP_OPTIONS = new Set([
  "currentOp",
  "$all",
  "$ownOps",
  "$db",
  "lsid",
  "$clusterTime",
  "$readPreference",
  "comment",
  "maxTimeMS",
  "apiVersion",
  "apiStrict",
  "apiDeprecationErrors",
]);

/**
 * `currentOp`: the operations in progress matching the command's other fields as a filter, as the
 * server runs it (a `$currentOp` stage and a `$match`). Here those are the writes waiting for an
 * open transaction (in-progress.ts); idle sessions are not listed (as without `$all`).
 */
const currentOp: Handler = (command, ctx) => {
  if (ctx.db !== "admin")
    throw new CommandError("Unauthorized", "currentOp may only be run against the admin database.");
  const matches = compileFilter(
    Object.fromEntries(Object.entries(command).filter(([field]) => !CURRENT_OP_OPTIONS.has(field))),
  );
  return { inprog: ctx.inProgress.list(ctx.address).filter((op) => matches(op)) };
};

/** Server diagnostics. */
export const diagnosticCommands: Record<string, Handler> = { serverStatus, explain, currentOp };
