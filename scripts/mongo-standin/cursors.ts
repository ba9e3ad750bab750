import { Long, type Document } from "bson";
import { CommandError } from "./errors.js";
import type { Doc } from "./storage/values.js";

/** Default first batch size of `find`/`aggregate`, as the server uses. */
const DEFAULT_BATCH = 101;

interface OpenCursor {
  ns: string;
  docs: Doc[];
  position: number;
}

/**
 * Open cursors. A cursor's results are materialised when it opens (a point-in-time result, so a
 * cursor inside a transaction keeps its snapshot); `getMore` pages through them. Ids are BSON
 * `Long` on the wire, as drivers require.
 */
export class Cursors {
  private readonly open = new Map<string, OpenCursor>();
  private nextId = BigInt(Date.now()) * 1000n;

  /** The `cursor` reply field for a new result set: the first batch, and an id if more remain. */
  first(ns: string, docs: Doc[], batchSize: unknown): Document {
    const size = typeof batchSize === "number" && batchSize >= 0 ? batchSize : DEFAULT_BATCH;
    const firstBatch = size === 0 ? [] : docs.slice(0, size);
    let id = Long.ZERO;
    if (firstBatch.length < docs.length) {
      this.nextId += 1n;
      id = Long.fromBigInt(this.nextId);
      this.open.set(id.toString(), { ns, docs, position: firstBatch.length });
    }
    return { id, ns, firstBatch };
  }

  /** The next batch of a cursor; 43 CursorNotFound when it is unknown or exhausted. */
  more(id: unknown, ns: string, batchSize: unknown): Document {
    const key = String(id);
    const cursor = this.open.get(key);
    if (!cursor || cursor.ns !== ns) throw new CommandError("CursorNotFound", `cursor id ${key} not found`);
    const size = typeof batchSize === "number" && batchSize > 0 ? batchSize : cursor.docs.length;
    const nextBatch = cursor.docs.slice(cursor.position, cursor.position + size);
    cursor.position += nextBatch.length;
    const done = cursor.position >= cursor.docs.length;
    if (done) this.open.delete(key);
    return { id: done ? Long.ZERO : Long.fromString(key), ns, nextBatch };
  }

  /** Closes cursors (`killCursors`), reporting which existed. */
  kill(ids: unknown[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) {
      const long = Long.fromString(String(id));
      if (this.open.delete(long.toString())) killed.push(long);
      else notFound.push(long);
    }
    return { killed, notFound };
  }
}
