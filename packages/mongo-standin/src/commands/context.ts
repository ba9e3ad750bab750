import type { Document } from "bson";
import type { Logger } from "pino";
import type { Cursors } from "../cursors.js";
import { CommandError } from "../errors.js";
import type { InProgress } from "../in-progress.js";
import type { Store } from "../storage/store.js";
import type { Sessions } from "../sessions.js";
import type { Access, Transaction } from "../transactions.js";

/** What a command handler may use. */
export interface CommandContext {
  /** The database named by `$db`. */
  db: string;
  store: Store;
  /** Direct or transactional view of the data, chosen by the command's session fields. */
  access: Access;
  txn: Transaction | null;
  sessions: Sessions;
  cursors: Cursors;
  /** The address clients dial, reported as `me`/`hosts`/`primary` in hello. */
  address: string;
  connectionId: number;
  logger: Logger | undefined;
  stats: ServerStats;
  /** The commands waiting for an open transaction, which `currentOp` lists. */
  inProgress: InProgress;
}

/** Counters `serverStatus` reports, shared by every connection of one server. */
export interface ServerStats {
  startedAt: number;
  persistent: boolean;
  connections: { current: number; totalCreated: number };
  /** Wire messages in and bytes each way (serverStatus `network`): round trips, whatever a command holds. */
  network: { bytesIn: number; bytesOut: number; numRequests: number };
  opcounters: {
    insert: number;
    query: number;
    update: number;
    delete: number;
    getmore: number;
    command: number;
  };
}

/** Fresh counters for a server starting now. */
export function newServerStats(persistent: boolean): ServerStats {
  return {
    startedAt: Date.now(),
    persistent,
    connections: { current: 0, totalCreated: 0 },
    network: { bytesIn: 0, bytesOut: 0, numRequests: 0 },
    opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
  };
}

/** Counts one command the way the server's opcounters do (documents for inserts, statements for writes). */
export function countOperation(stats: ServerStats, name: string, command: Document): void {
  const counters = stats.opcounters;
  const statements = (field: string): number => ((command[field] as unknown[] | undefined) ?? []).length;
  if (name === "insert") counters.insert += statements("documents");
  else if (name === "find") counters.query += 1;
  else if (name === "update") counters.update += statements("updates");
  else if (name === "delete") counters.delete += statements("deletes");
  else if (name === "getMore") counters.getmore += 1;
  else counters.command += 1;
}

/** A command handler: the command document in, the reply (without `ok`) out. */
export type Handler = (command: Document, ctx: CommandContext) => Document;

/** The collection a command names in its first field, as `db.collection`. */
export function namespaceOf(command: Document, ctx: CommandContext): string {
  const name: unknown = Object.values(command)[0];
  if (typeof name !== "string" || name.length === 0)
    throw new CommandError("BadValue", "collection name must be a non-empty string");
  return `${ctx.db}.${name}`;
}
