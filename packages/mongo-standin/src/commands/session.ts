import type { Document } from "bson";
import { CommandError } from "../errors.js";
import type { Handler } from "./context.js";

const commitTransaction: Handler = (_command, ctx) => {
  if (!ctx.txn)
    throw new CommandError("NoSuchTransaction", "no transaction in progress", {
      labels: ["TransientTransactionError"],
    });
  ctx.txn.commit();
  return {};
};

const abortTransaction: Handler = (_command, ctx) => {
  if (!ctx.txn || ctx.txn.state !== "active")
    throw new CommandError("NoSuchTransaction", "no transaction in progress", {
      labels: ["TransientTransactionError"],
    });
  ctx.txn.abort();
  return {};
};

/** `endSessions` (sent with `moreToCome`; its open transactions are aborted). */
const endSessions: Handler = (command, ctx) => {
  ctx.sessions.end((command.endSessions as Document[] | undefined) ?? []);
  return {};
};

/** Session and transaction commands. */
export const sessionCommands: Record<string, Handler> = { commitTransaction, abortTransaction, endSessions };
