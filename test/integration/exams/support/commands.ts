import type { CommandStartedEvent } from "mongodb";
import type { ExamNode } from "../../../../scripts/bench/exam-node.js";

/** One database command as the node's driver sent it. */
export interface SentCommand {
  name: string;
  collection: string;
}

/** Collections the node's periodic tasks touch (heartbeat, outbox poll): not part of any request. */
const BACKGROUND = new Set(["exam_instances", "outbox"]);

/**
 * The database commands the node sends while `fn` runs, from the driver's command events (the node
 * must be started with `monitorCommands`). Commands of the periodic tasks are left out; start the
 * node with a long `sweepIntervalMs` so the deadline sweep does not run in between either.
 */
export async function commandsDuring(node: ExamNode, fn: () => Promise<unknown>): Promise<SentCommand[]> {
  const sent: SentCommand[] = [];
  const listener = (e: CommandStartedEvent) => {
    const target: unknown = (e.command as Record<string, unknown>)[e.commandName];
    const collection = typeof target === "string" ? target : "";
    if (!BACKGROUND.has(collection)) sent.push({ name: e.commandName, collection });
  };
  const client = node.ctx.conn.getClient();
  client.on("commandStarted", listener);
  try {
    await fn();
    // Fire-and-forget work of the request (seat pushes) gets a moment to show its commands too.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    client.off("commandStarted", listener);
  }
  return sent;
}
