import type { Document } from "bson";
import type { Logger } from "pino";
import type { Cursors } from "../cursors.js";
import { CommandError } from "../errors.js";
import type { Store } from "../storage/store.js";
import type { Access, Sessions, Transaction } from "../transactions.js";

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
