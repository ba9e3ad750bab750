import type { Document } from "bson";
import { atCommandTime } from "../command-time.js";
import { CommandError } from "../errors.js";
import { checkCommandTypes } from "../deprecated-types.js";
import { aggregateCommands } from "./aggregate.js";
import { assertSimpleCollations } from "./collation.js";
import { assertNoCommandLet } from "./command-let.js";
import type { CommandContext, Handler } from "./context.js";
import { ddlCommands } from "./ddl.js";
import { diagnosticCommands } from "./diagnostics.js";
import { handshakeCommands } from "./handshake.js";
import { readCommands } from "./read.js";
import { sessionCommands } from "./session.js";
import { writeCommands } from "./write.js";

const handlers = new Map<string, Handler>(
  Object.entries({
    ...handshakeCommands,
    ...readCommands,
    ...writeCommands,
    ...aggregateCommands,
    ...ddlCommands,
    ...sessionCommands,
    ...diagnosticCommands,
  }),
);

/** The command's name: the first field of the command document. */
export function commandName(command: Document): string {
  return Object.keys(command)[0] ?? "";
}

/** Commands whose handlers check the deprecated BSON types they carry themselves (write.ts). */
const CHECK_OWN_TYPES = new Set(["insert", "update", "findAndModify", "findandmodify"]);

/** Runs a command; unknown ones answer 59 CommandNotFound like the server. */
export function runCommand(command: Document, ctx: CommandContext): Document {
  const name = commandName(command);
  const handler = handlers.get(name);
  if (!handler) throw new CommandError("CommandNotFound", `no such command: '${name}'`);
  assertSimpleCollations(command);
  assertNoCommandLet(command);
  // A delete's statements are checked one by one (write.ts), each failing as a write error.
  if (!CHECK_OWN_TYPES.has(name)) checkCommandTypes(name, command, name === "delete" ? "deletes" : undefined);
  // `$$NOW` is one time for the whole command (command-time.ts).
  return atCommandTime(() => handler(command, ctx));
}
