import { Long, type Document } from "bson";

/** A command started and not yet answered. */
interface Operation {
  opid: number;
  connectionId: number;
  startedAt: number;
  ns: string;
  command: Document;
}

/** `currentOp`'s `op` for a command: the write commands by their kind, anything else "command". */
const OP_KINDS: Readonly<Record<string, string>> = { insert: "insert", update: "update", delete: "remove" };

/**
 * The commands in progress, as `currentOp` lists them. The stand-in runs every command to its end
 * in one turn, except a write that waits for an open transaction (server.ts), so these are exactly
 * the waiting writes: what an operator (or a test) looks at to see that a write is held, and on
 * which collection.
 */
export class InProgress {
  private nextOpId = 1;
  private readonly ops = new Map<number, Operation>();

  /** Records `command` (on `db`) as in progress; the returned function ends it. */
  begin(command: Document, db: string, connectionId: number): () => void {
    const opid = this.nextOpId++;
    const collection: unknown = Object.values(command)[0];
    const ns = `${db}.${typeof collection === "string" ? collection : "$cmd"}`;
    this.ops.set(opid, { opid, connectionId, startedAt: Date.now(), ns, command });
    return () => this.ops.delete(opid);
  }

  /** The operations as `currentOp`'s `inprog` documents (the fields MongoDB 7.0 reports for an op). */
  list(host: string): Document[] {
    const now = Date.now();
    return [...this.ops.values()].map((op) => {
      const name = Object.keys(op.command)[0] ?? "";
      const micros = (now - op.startedAt) * 1000;
      return {
        type: "op",
        host,
        desc: `conn${op.connectionId}`,
        connectionId: op.connectionId,
        active: true,
        currentOpTime: new Date(now).toISOString(),
        opid: op.opid,
        secs_running: Long.fromNumber(Math.floor(micros / 1_000_000)),
        microsecs_running: Long.fromNumber(micros),
        op: OP_KINDS[name] ?? "command",
        ns: op.ns,
        command: op.command,
        numYields: 0,
        waitingForLock: false,
        locks: {},
      };
    });
  }
}
