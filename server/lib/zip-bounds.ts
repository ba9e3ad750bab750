import { createInflateRaw } from "node:zlib";
import { FileRefusal } from "./file-refusal.js";

/**
 * Bounds on what an uploaded ZIP container (every XLSX) unpacks to. A few hundred kilobytes of
 * zeros can unpack to gigabytes, and a ZIP describes its entries twice (a local header before each
 * entry's data, the central directory at the end), which a crafted file makes disagree: a reader
 * that walks the local headers meets entries the directory never listed. So the directory's
 * declared sizes are checked before anything is read, every local header must agree with it and
 * the entries must tile the file, each entry that is read is inflated as a stream that is cut off
 * past its declared size, and the readers downstream are given an archive rebuilt from the
 * directory with only the parts they read (`zipOfEntries`), never the upload itself.
 */
export const ZIP_MAX_ENTRY_BYTES = 32 * 1024 * 1024;
export const ZIP_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Where the entry's compressed data starts (after its local header). */
  dataStart: number;
  /** The local header has a ZIP64 extra field: a data descriptor's sizes are then 8 bytes each. */
  zip64Local?: boolean;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
/** General-purpose flag: sizes and CRC follow the data (the local header holds zeros). */
const HAS_DESCRIPTOR = 0x0008;
const UTF8_NAMES = 0x0800;
const MB = 1024 * 1024;
/** A 4-byte field holding this defers to the entry's ZIP64 extra field (APPNOTE 4.4.8). */
const ZIP64_MARK = 0xffffffff;
/** Header id of the ZIP64 extended information extra field (APPNOTE 4.5.3). */
const ZIP64_EXTRA = 0x0001;

/**
 * The 8-byte values of the ZIP64 extra field in the extra block at `start` (`length` bytes), or
 * undefined when it has none. A value past 2^53 reads as Infinity: it is past every bound anyway.
 */
function zip64Values(bytes: Buffer, start: number, length: number): number[] | undefined {
  const end = Math.min(start + length, bytes.length);
  for (let at = start; at + 4 <= end;) {
    const id = bytes.readUInt16LE(at);
    const size = bytes.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA) {
      const values: number[] = [];
      for (let v = at + 4; v + 8 <= Math.min(at + 4 + size, end) && values.length < 4; v += 8) {
        const value = bytes.readBigUInt64LE(v);
        values.push(value > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(value));
      }
      return values;
    }
    at += 4 + size;
  }
  return undefined;
}

const unreadable = () => new FileRefusal("Excel 文件已损坏（压缩目录无法读取）");
const damaged = (name: string) =>
  new FileRefusal(`Excel 文件已损坏（「${name.slice(0, 100)}」的文件头与压缩目录不符）`);
const mismatch = (entry: ZipEntry) =>
  new FileRefusal(`Excel 文件中的「${entry.name.slice(0, 100)}」解压后与其声明的大小不符，无法导入`);

/**
 * The central directory's entries, in directory order. Refuses declared sizes beyond the bounds,
 * compression other than stored and deflate, a local header that disagrees with its directory
 * entry, and entries that overlap, leave gaps or hide between the listed ones.
 */
export function zipEntries(bytes: Buffer): ZipEntry[] {
  // The end record is within the last 22 + 65535 (comment) bytes.
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw unreadable();
  const count = bytes.readUInt16LE(end + 10);
  const directoryStart = bytes.readUInt32LE(end + 16);
  // Only a ZIP64 end record can say more (over 65,534 entries or a 4 GB directory offset): far
  // past what the bounds allow, so it is not read; ZIP64 sizes of single entries are.
  if (count === 0xffff || directoryStart === ZIP64_MARK)
    throw new FileRefusal(
      "不支持 ZIP64 格式的大型压缩目录，无法导入：请在 Excel 中另存为“Excel 工作簿（*.xlsx）”后重新上传",
    );
  let pos = directoryStart;
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (pos + 46 > bytes.length || bytes.readUInt32LE(pos) !== CENTRAL) throw unreadable();
    const nameLength = bytes.readUInt16LE(pos + 28);
    const extraLength = bytes.readUInt16LE(pos + 30);
    const entry: ZipEntry = {
      flags: bytes.readUInt16LE(pos + 8),
      method: bytes.readUInt16LE(pos + 10),
      crc32: bytes.readUInt32LE(pos + 16),
      compressedSize: bytes.readUInt32LE(pos + 20),
      size: bytes.readUInt32LE(pos + 24),
      name: bytes.toString("utf8", pos + 46, pos + 46 + nameLength),
      localOffset: bytes.readUInt32LE(pos + 42),
      dataStart: 0,
    };
    // ZIP64 (APPNOTE 4.5.3): each field holding 0xFFFFFFFF is in the extra field, in this order.
    // Some writers use it for any size (Commons Compress in Zip64Mode.Always, as Apache POI allows).
    if (
      entry.size === ZIP64_MARK ||
      entry.compressedSize === ZIP64_MARK ||
      entry.localOffset === ZIP64_MARK
    ) {
      const values = zip64Values(bytes, pos + 46 + nameLength, extraLength) ?? [];
      for (const key of ["size", "compressedSize", "localOffset"] as const)
        if (entry[key] === ZIP64_MARK) entry[key] = values.shift() ?? Infinity;
    }
    if (!Number.isFinite(entry.compressedSize) || !Number.isFinite(entry.localOffset)) throw unreadable();
    if (entry.size > ZIP_MAX_ENTRY_BYTES)
      throw new FileRefusal(
        `Excel 文件中的「${entry.name}」解压后超过 ${ZIP_MAX_ENTRY_BYTES / MB} MB，无法导入：请拆分为多个文件`,
      );
    total += entry.size;
    if (total > ZIP_MAX_TOTAL_BYTES)
      throw new FileRefusal(
        `Excel 文件解压后超过 ${ZIP_MAX_TOTAL_BYTES / MB} MB，无法导入：请拆分为多个文件`,
      );
    entries.push(entry);
    pos += 46 + nameLength + extraLength + bytes.readUInt16LE(pos + 32);
  }
  if (new Set(entries.map((e) => e.name)).size !== entries.length) throw unreadable();
  for (const entry of entries) checkEntry(bytes, entry);
  checkTiling(bytes, entries, directoryStart);
  return entries;
}

/** The entry's local header agrees with the directory; its declared sizes are possible. */
function checkEntry(bytes: Buffer, entry: ZipEntry): void {
  const at = entry.localOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL) throw unreadable();
  const nameLength = bytes.readUInt16LE(at + 26);
  const extraLength = bytes.readUInt16LE(at + 28);
  const name = bytes.toString("utf8", at + 30, at + 30 + nameLength);
  // A local ZIP64 extra field holds both sizes, uncompressed first (APPNOTE 4.5.3).
  const zip64 = zip64Values(bytes, at + 30 + nameLength, extraLength);
  entry.zip64Local = zip64 !== undefined;
  let compressedSize = bytes.readUInt32LE(at + 18);
  let size = bytes.readUInt32LE(at + 22);
  if (zip64 && (compressedSize === ZIP64_MARK || size === ZIP64_MARK))
    [size = Infinity, compressedSize = Infinity] = zip64;
  // With a data descriptor the local header's CRC and sizes are zeros, written after the data.
  const sized = (bytes.readUInt16LE(at + 6) & HAS_DESCRIPTOR) === 0;
  if (
    name !== entry.name ||
    bytes.readUInt16LE(at + 8) !== entry.method ||
    (sized && (compressedSize !== entry.compressedSize || size !== entry.size))
  )
    throw damaged(entry.name);
  entry.dataStart = at + 30 + nameLength + extraLength;
  if (entry.dataStart + entry.compressedSize > bytes.length) throw unreadable();
  if (entry.method !== 0 && entry.method !== 8)
    throw new FileRefusal(`Excel 文件使用了不支持的压缩方式（${entry.method}）`);
  // Deflate never needs more than an eighth over the data it holds (a stored block costs 5 bytes
  // per 64 KB, a fixed-code literal 9 bits): more compressed bytes than that shows, without
  // inflating anything, that the declared size understates the entry.
  const most = entry.method === 0 ? entry.size : entry.size + Math.ceil(entry.size / 8) + 1024;
  if (entry.compressedSize > most || (entry.method === 0 && entry.compressedSize < entry.size))
    throw mismatch(entry);
}

/**
 * The entries, in file order, follow one another from the first byte to the directory with
 * nothing between them: no entry hidden from the directory, no two entries sharing data.
 */
function checkTiling(bytes: Buffer, entries: ZipEntry[], directoryStart: number): void {
  let next = 0;
  for (const entry of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    if (entry.localOffset !== next) throw damaged(entry.name);
    next = entry.dataStart + entry.compressedSize;
    // A data descriptor (CRC and sizes, 12 bytes; 20 when the local header has a ZIP64 field and
    // the sizes are 8 bytes each, APPNOTE 4.3.9) follows the data, with or without its signature.
    if (entry.flags & HAS_DESCRIPTOR)
      next +=
        (entry.zip64Local ? 20 : 12) +
        (next + 4 <= bytes.length && bytes.readUInt32LE(next) === DESCRIPTOR ? 4 : 0);
  }
  if (next !== directoryStart) throw unreadable();
}

/**
 * One entry's bytes as they inflate, asynchronously (zlib runs off the event loop) and in
 * chunks; refused as soon as more than its declared size comes out, or if it ends short of it.
 */
export async function* entryChunks(bytes: Buffer, entry: ZipEntry): AsyncGenerator<Buffer> {
  const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  // A stored entry's size is its compressed size, checked with the directory.
  if (entry.method === 0) {
    if (data.length) yield data;
    return;
  }
  const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
  inflater.end(data);
  let inflated = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > entry.size) throw mismatch(entry);
      yield chunk;
    }
  } catch (err) {
    throw err instanceof FileRefusal ? err : mismatch(entry);
  } finally {
    inflater.destroy();
  }
  if (inflated !== entry.size) throw mismatch(entry);
}

/** Inflates the entry only to check that it holds what it declares, within its bound. */
export async function checkInflated(bytes: Buffer, entry: ZipEntry): Promise<void> {
  for await (const chunk of entryChunks(bytes, entry)) void chunk;
}

/**
 * A ZIP holding only `entries`, in this order, as chunks: each entry's compressed data as in the
 * upload, under headers written here from its directory entry. What a reader of it inflates is
 * then exactly what was checked, whatever else the upload holds or its local headers say.
 */
export function zipOfEntries(bytes: Buffer, entries: ZipEntry[]): Buffer[] {
  const chunks: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01: the entry's date is not read
    local.writeUInt32LE(entry.crc32, 14);
    local.writeUInt32LE(entry.compressedSize, 18);
    local.writeUInt32LE(entry.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(entry.crc32, 16);
    central.writeUInt32LE(entry.compressedSize, 20);
    central.writeUInt32LE(entry.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    chunks.push(local, name, data);
    directory.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const size = directory.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return [...chunks, ...directory, end];
}
