import type { Connection } from "mongoose";

/** What the driver reports of one command (the fields the counts need). */
interface StartedCommand {
  commandName: string;
  databaseName: string;
  command: Record<string, unknown>;
}

/** Commands that are the driver's own upkeep, not the application's round trips. */
const UPKEEP = new Set(["hello", "ismaster", "isMaster", "ping", "endSessions", "saslStart", "saslContinue", "killCursors"]);

/**
 * Counts the database commands a node sends while `work` runs: one entry per round trip, named
 * `<command> <collection>` (e.g. `find hub_practitioners`). The node's connection must be opened
 * with `monitorCommands` (startTestNode's `monitorCommands` option). Background loops that touch
 * collections outside `only` are left out, so a count is the work of the request alone.
 */
export async function commandsDuring(
  conn: Connection,
  work: () => Promise<unknown>,
  options: { ignore?: RegExp } = {},
): Promise<string[]> {
  const client = conn.getClient();
  const seen: string[] = [];
  const listener = (e: StartedCommand) => {
    // A commit or abort goes to the admin database but is a round trip of the work all the same.
    const transactional = e.commandName === "commitTransaction" || e.commandName === "abortTransaction";
    if ((e.databaseName !== conn.name && !transactional) || UPKEEP.has(e.commandName)) return;
    const target = e.command[e.commandName];
    const name = `${e.commandName}${typeof target === "string" ? ` ${target}` : ""}`;
    if (options.ignore?.test(name)) return;
    seen.push(name);
  };
  client.on("commandStarted", listener);
  try {
    await work();
  } finally {
    client.off("commandStarted", listener);
  }
  return seen;
}
