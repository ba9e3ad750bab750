import { calculateObjectSize, Long, type Document } from "bson";
import { CommandError } from "./errors.js";
import type { Doc } from "./storage/values.js";

/** Default first batch size of `find`/`aggregate`, as the server uses. */
const DEFAULT_BATCH = 101;
/** A reply must stay under the 16 MB document limit, so batches stop short of it. */
const MAX_BATCH_BYTES = 15 * 1024 * 1024;

/** Like the server's `cursorTimeoutMillis`: an idle cursor is dropped after ten minutes. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  ns: string;
  docs: Doc[];
  position: number;
  lastUsed: number;
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
    const firstBatch = size === 0 ? [] : takeBatch(docs, 0, size);
    let id = Long.ZERO;
    if (firstBatch.length < docs.length) {
      this.dropIdle();
      this.nextId += 1n;
      id = Long.fromBigInt(this.nextId);
      this.open.set(id.toString(), { ns, docs, position: firstBatch.length, lastUsed: Date.now() });
    }
    return { id, ns, firstBatch };
  }

  /** The next batch of a cursor; 43 CursorNotFound when it is unknown or exhausted. */
  more(id: unknown, ns: string, batchSize: unknown): Document {
    const key = String(id);
    const cursor = this.open.get(key);
    if (!cursor || cursor.ns !== ns) throw new CommandError("CursorNotFound", `cursor id ${key} not found`);
    const size = typeof batchSize === "number" && batchSize > 0 ? batchSize : cursor.docs.length;
    const nextBatch = takeBatch(cursor.docs, cursor.position, size);
    cursor.position += nextBatch.length;
    cursor.lastUsed = Date.now();
    const done = cursor.position >= cursor.docs.length;
    if (done) this.open.delete(key);
    return { id: done ? Long.ZERO : Long.fromString(key), ns, nextBatch };
  }

  private dropIdle(): void {
    const cutoff = Date.now() - IDLE_TIMEOUT_MS;
    for (const [id, cursor] of this.open) if (cursor.lastUsed < cutoff) this.open.delete(id);
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

/** Up to `count` documents from `start`, fewer if they would overflow a reply. */
function takeBatch(docs: Doc[], start: number, count: number): Doc[] {
  // A batch's first document goes in whatever its size, so a batch of one needs no measuring: a
  // point read (every read by `_id`) measured its document once here and again to encode the reply.
  const end = Math.min(docs.length, start + count);
  if (end - start <= 1) return docs.slice(start, end);
  const batch: Doc[] = [];
  let bytes = 0;
  for (let i = start; i < docs.length && batch.length < count; i += 1) {
    const doc = docs[i] as Doc;
    bytes += calculateObjectSize(doc);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(doc);
  }
  return batch;
}
