import type { Connection } from "mongoose";

/** What the driver reports of one command (the fields the counts need). */
interface StartedCommand {
  commandName: string;
  databaseName: string;
  command: Record<string, unknown>;
}

/** Commands that are the driver's own upkeep, not the application's round trips. */
const UPKEEP = new Set([
  "hello",
  "ismaster",
  "isMaster",
  "ping",
  "endSessions",
  "saslStart",
  "saslContinue",
  "killCursors",
]);

/**
 * The deadline sweep's read of expired attempts (server/exams/closing.ts sweepOnce): every instance
 * sends it once a second, so a count taken while it runs sees it or not by timing alone.
 */
export function isDeadlineSweepRead(name: string, command: Record<string, unknown>): boolean {
  const filter = command.filter as Record<string, unknown> | undefined;
  return name === "find exam_attempts" && filter?.status === "in_progress" && "deadline" in filter;
}

/**
 * Counts the database commands a node sends while `work` runs: one entry per round trip, named
 * `<command> <collection>` (e.g. `find hub_practitioners`). The node's connection must be opened
 * with `monitorCommands` (startTestNode's `monitorCommands` option). Background loops that touch
 * collections outside `only` are left out, so a count is the work of the request alone.
 */
export async function commandsDuring(
  conn: Connection,
  work: () => Promise<unknown>,
  options: {
    ignore?: RegExp;
    /** Leaves out commands by what they carry (a background loop's read of a collection the work reads too). */
    ignoreCommand?: (name: string, command: Record<string, unknown>) => boolean;
  } = {},
): Promise<string[]> {
  const client = conn.getClient();
  const seen: string[] = [];
  const listener = (e: StartedCommand) => {
    // A commit or abort goes to the admin database but is a round trip of the work all the same.
    const transactional = e.commandName === "commitTransaction" || e.commandName === "abortTransaction";
    if ((e.databaseName !== conn.name && !transactional) || UPKEEP.has(e.commandName)) return;
    const target = e.command[e.commandName];
    const name = `${e.commandName}${typeof target === "string" ? ` ${target}` : ""}`;
    if (options.ignore?.test(name) || options.ignoreCommand?.(name, e.command)) return;
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
