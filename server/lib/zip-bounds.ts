import { inflateRawSync } from "node:zlib";
import { FileRefusal } from "./file-refusal.js";

/**
 * Bounds on what an uploaded ZIP container (every XLSX) unpacks to. The streaming reader inflates
 * whatever the file holds, so a few hundred kilobytes of zeros could unpack to gigabytes; the
 * central directory's declared sizes are checked before anything is read, and the entries read
 * here are inflated with the same bound, so a directory that understates a size cannot pass.
 */
export const ZIP_MAX_ENTRY_BYTES = 32 * 1024 * 1024;
export const ZIP_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MB = 1024 * 1024;

const unreadable = () => new FileRefusal("Excel 文件已损坏（压缩目录无法读取）");

/** The central directory's entries, in directory order; refuses sizes beyond the bounds. */
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
  let pos = bytes.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (pos + 46 > bytes.length || bytes.readUInt32LE(pos) !== CENTRAL) throw unreadable();
    const nameLength = bytes.readUInt16LE(pos + 28);
    const entry: ZipEntry = {
      method: bytes.readUInt16LE(pos + 10),
      compressedSize: bytes.readUInt32LE(pos + 20),
      size: bytes.readUInt32LE(pos + 24),
      name: bytes.toString("utf8", pos + 46, pos + 46 + nameLength),
      localOffset: bytes.readUInt32LE(pos + 42),
    };
    // 0xFFFFFFFF defers to a ZIP64 record: only ever needed beyond 4 GB, far past the bound.
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
    pos += 46 + nameLength + bytes.readUInt16LE(pos + 30) + bytes.readUInt16LE(pos + 32);
  }
  return entries;
}

/** One entry's bytes, inflated to at most its declared size (a larger stream is refused). */
export function zipEntryBytes(bytes: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL) throw unreadable();
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw new FileRefusal(`Excel 文件使用了不支持的压缩方式（${entry.method}）`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
  } catch {
    throw new FileRefusal(`Excel 文件中的「${entry.name}」解压后与其声明的大小不符，无法导入`);
  }
}
