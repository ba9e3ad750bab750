import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import { deserialize, serialize, type Document } from "bson";

const FILE = "journal.bin";
const RECORD_HEADER = 8;

/** What replaying the journal found. */
interface ReplayResult {
  records: Document[];
  /** Bytes dropped at the end because the last record was torn (a crash mid-write). */
  tornBytes: number;
}

/**
 * An append-only journal of applied writes in `dataDir/journal.bin`. Each record is
 * `[u32 length][u32 crc32][BSON]`; it is written and fdatasync'ed before the command is
 * acknowledged, so an acknowledged write survives a crash. At start the journal is replayed; a
 * torn or corrupt tail (the record being written when the process died) is cut off, not fatal.
 *
 * Syncs are grouped, as MongoDB's journal commits are: records are written at once (in the order
 * their changes were applied), and one asynchronous fdatasync covers every record written before
 * it started. A command's reply waits for the sync that covers its records; commands arriving
 * while a sync runs share the next one. A synchronous fdatasync per command had blocked the
 * event loop (18% of an embedded hub's CPU profile) and serialised every writer behind the disk.
 */
export class Journal {
  private fd: number;
  private readonly file: string;
  /** Records appended since the journal was last compacted (the compaction trigger). */
  appended = 0;
  /** Appends so far, and how many of them a finished sync covers. */
  private written = 0;
  private synced = 0;
  /** The sync in progress, and the one queued to start after it. */
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  private constructor(file: string, fd: number) {
    this.file = file;
    this.fd = fd;
  }

  /** Opens (creating if needed) the journal in `dir` and returns it with its valid records. */
  static open(dir: string): { journal: Journal; replay: ReplayResult } {
    const file = path.join(dir, FILE);
    const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
    const records: Document[] = [];
    let offset = 0;
    while (offset + RECORD_HEADER <= bytes.length) {
      const length = bytes.readUInt32LE(offset);
      const checksum = bytes.readUInt32LE(offset + 4);
      const end = offset + RECORD_HEADER + length;
      if (end > bytes.length) break;
      const body = bytes.subarray(offset + RECORD_HEADER, end);
      if (crc32(body) !== checksum) break;
      try {
        records.push(deserialize(body));
      } catch {
        break;
      }
      offset = end;
    }
    const fd = openSync(file, "a+");
    const tornBytes = bytes.length - offset;
    if (tornBytes > 0) {
      ftruncateSync(fd, offset);
      fsyncSync(fd);
    }
    const journal = new Journal(file, fd);
    journal.appended = records.length;
    return { journal, replay: { records, tornBytes } };
  }

  /** Appends records as one write; `durable()` then says when they are on disk. */
  append(records: Document[]): void {
    if (records.length === 0) return;
    writeSync(this.fd, encode(records));
    this.appended += records.length;
    this.written += 1;
  }

  /**
   * Resolves once every record appended so far is on disk: joins the sync that will start next
   * when one is already running (it may have started before these records were written).
   */
  durable(): Promise<void> {
    if (this.synced === this.written) return Promise.resolve();
    if (!this.running) return this.startSync();
    this.queued ??= this.running.then(
      () => this.afterRunning(),
      () => this.afterRunning(),
    );
    return this.queued;
  }

  /** True while a sync runs or waits: the file must not be replaced under it. */
  get syncing(): boolean {
    return this.running !== null || this.queued !== null;
  }

  private afterRunning(): Promise<void> {
    this.queued = null;
    return this.synced === this.written ? Promise.resolve() : this.startSync();
  }

  private startSync(): Promise<void> {
    const covers = this.written;
    const run = new Promise<void>((resolve, reject) => {
      fdatasync(this.fd, (error) => {
        this.running = null;
        if (error) reject(error);
        else {
          this.synced = Math.max(this.synced, covers);
          resolve();
        }
      });
    });
    this.running = run;
    return run;
  }

  /** Replaces the journal with `records` (the live state): write a copy, fsync, rename over. */
  compact(records: Iterable<Document>): void {
    const temp = `${this.file}.compact`;
    const fd = openSync(temp, "w");
    let count = 0;
    let batch: Document[] = [];
    for (const record of records) {
      batch.push(record);
      count += 1;
      if (batch.length >= 500) {
        writeSync(fd, encode(batch));
        batch = [];
      }
    }
    writeSync(fd, encode(batch));
    fsyncSync(fd);
    closeSync(fd);
    closeSync(this.fd);
    renameSync(temp, this.file);
    const dir = openSync(path.dirname(this.file), "r");
    fsyncSync(dir);
    closeSync(dir);
    this.fd = openSync(this.file, "a+");
    this.appended = count;
    // The compacted copy was fsync'ed: everything written so far is durable.
    this.synced = this.written;
  }

  /** Closes the file once the last sync has finished. */
  async close(): Promise<void> {
    await this.durable().catch(() => undefined);
    while (this.syncing) await (this.queued ?? this.running)?.catch(() => undefined);
    closeSync(this.fd);
  }
}

function encode(records: Document[]): Buffer {
  return Buffer.concat(
    records.map((record) => {
      const body = serialize(record);
      const header = Buffer.alloc(RECORD_HEADER);
      header.writeUInt32LE(body.length, 0);
      header.writeUInt32LE(crc32(body), 4);
      return Buffer.concat([header, body]);
    }),
  );
}
