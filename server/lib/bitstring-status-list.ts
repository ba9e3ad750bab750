import { gunzipSync, gzipSync } from "node:zlib";

/**
 * The W3C Bitstring Status List 1.0 bitstring, the one reading and writing of it that the province
 * node, the hub, the conformance kit and the verification CLI share: GZIP of the bitstring, then
 * multibase base64url (`u` prefix, the URL-safe alphabet, no padding); entries of `statusSize`
 * bits, entry 0 starting at the most significant bit of the first byte. Not in contracts: the
 * client imports those, and this needs node:zlib.
 *
 * Two copies of this used to disagree: the node read `=` padding and `+` (Node's lenient base64url)
 * and ignored statusSize, while the hub refused them, so a list the hub refused still verified at
 * every node that fetched it from the province.
 */

/** The spec's minimum: at least 131,072 entries (16 KB at one bit each), for herd privacy. A list may hold more. */
export const MIN_STATUS_ENTRIES = 131_072;

/**
 * The most a list is inflated to: 16 MiB, 64 million 2-bit entries, far more than a province
 * issues. GZIP shrinks a run of zeros about a thousandfold, so without a bound a list within the
 * contract's one million characters could inflate to gigabytes in memory.
 */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** Entries are 1 to 8 bits (the spec's statusSize; 1 when a list names none). */
const MAX_STATUS_SIZE = 8;

export type StatusListProblem =
  "bad_status_size" | "not_multibase" | "not_gzip" | "too_large" | "too_few_entries" | "partial_entry";

export type DecodedStatusList =
  | { ok: true; bits: Uint8Array; bytes: number; entries: number }
  | {
      ok: false;
      problem: StatusListProblem;
      /** What is wrong, in Chinese (the hub answers it to the province). */
      message: string;
      bytes?: number;
      entries?: number;
    };

const validSize = (statusSize: number) =>
  Number.isInteger(statusSize) && statusSize >= 1 && statusSize <= MAX_STATUS_SIZE;

/**
 * Decodes an `encodedList`: strict multibase base64url (only `A–Z a–z 0–9 - _` after the `u`, and
 * the canonical encoding of its bytes, so `=`, `+`, `/` and stray trailing bits are refused), GZIP
 * within MAX_INFLATED_BYTES, a whole number of `statusSize`-bit entries, at least
 * MIN_STATUS_ENTRIES of them. Never throws.
 */
export function decode(encodedList: string, statusSize: number): DecodedStatusList {
  if (!validSize(statusSize))
    return {
      ok: false,
      problem: "bad_status_size",
      message: `statusSize 须为 1 至 ${MAX_STATUS_SIZE} 的整数`,
    };
  const text = encodedList.startsWith("u") ? encodedList.slice(1) : null;
  const compressed = text !== null && /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, "base64url") : null;
  // Node decodes base64url leniently (padding, `+`, a dangling last character): only text that is
  // exactly the encoding of what it decodes to is the strict form.
  if (!compressed || compressed.toString("base64url") !== text)
    return {
      ok: false,
      problem: "not_multibase",
      message: "encodedList 须为 multibase base64url 编码（以 u 开头，仅含 A–Z a–z 0–9 - _，无填充）",
    };
  let inflated: Buffer;
  try {
    inflated = gunzipSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    // Node says which: a bound reached is a RangeError, anything else is no GZIP stream.
    return err instanceof RangeError
      ? { ok: false, problem: "too_large", message: `encodedList 解压后超过 ${MAX_INFLATED_BYTES} 字节` }
      : { ok: false, problem: "not_gzip", message: "encodedList 不是 GZIP 压缩的位串" };
  }
  const bytes = inflated.length;
  const bitCount = bytes * 8;
  const entries = Math.floor(bitCount / statusSize);
  if (bitCount % statusSize !== 0)
    return {
      ok: false,
      problem: "partial_entry",
      bytes,
      entries,
      message: `位串 ${bitCount} 位不是 ${statusSize} 位条目的整数倍`,
    };
  if (entries < MIN_STATUS_ENTRIES)
    return {
      ok: false,
      problem: "too_few_entries",
      bytes,
      entries,
      message: `位串只有 ${entries} 个条目，少于 W3C Bitstring Status List 要求的 ${MIN_STATUS_ENTRIES} 个`,
    };
  return { ok: true, bits: new Uint8Array(inflated.buffer, inflated.byteOffset, bytes), bytes, entries };
}

/** The encodedList of `bits`: GZIP, then multibase base64url. */
export function encode(bits: Uint8Array): string {
  return `u${gzipSync(bits, { level: 9 }).toString("base64url")}`;
}

/**
 * A zeroed bitstring of at least `entries` entries (never fewer than MIN_STATUS_ENTRIES), whole
 * bytes of whole entries: every entry 0.
 */
export function allocate(entries: number, statusSize: number): Uint8Array {
  if (!validSize(statusSize)) throw new RangeError(`statusSize ${statusSize}`);
  // Whole bytes holding whole entries: a multiple of lcm(8, statusSize) bits.
  const bitsPerBlock = (8 * statusSize) / gcd(8, statusSize);
  const bitCount =
    Math.ceil((Math.max(entries, MIN_STATUS_ENTRIES) * statusSize) / bitsPerBlock) * bitsPerBlock;
  return new Uint8Array(bitCount / 8);
}

/** How many whole `statusSize`-bit entries `bits` holds. */
export function entriesOf(bits: Uint8Array, statusSize: number): number {
  return Math.floor((bits.length * 8) / statusSize);
}

/** Entry `index` of a list (of any length), or null when the list holds no such entry. */
export function get(bits: Uint8Array, statusSize: number, index: number): number | null {
  if (
    !validSize(statusSize) ||
    !Number.isSafeInteger(index) ||
    index < 0 ||
    index >= entriesOf(bits, statusSize)
  )
    return null;
  let value = 0;
  for (let i = 0, bit = index * statusSize; i < statusSize; i++, bit++)
    value = (value << 1) | (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1);
  return value;
}

/** Sets entry `index` to `value`; throws when the list holds no such entry or the value does not fit. */
export function set(bits: Uint8Array, statusSize: number, index: number, value: number): void {
  if (
    !validSize(statusSize) ||
    !Number.isSafeInteger(index) ||
    index < 0 ||
    index >= entriesOf(bits, statusSize)
  )
    throw new RangeError(
      `status entry ${index} is outside the list (${entriesOf(bits, statusSize)} entries)`,
    );
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** statusSize)
    throw new RangeError(`status value ${value} does not fit ${statusSize} bits`);
  for (let i = 0, bit = index * statusSize; i < statusSize; i++, bit++) {
    const mask = 1 << (7 - (bit & 7));
    const on = (value >> (statusSize - 1 - i)) & 1;
    bits[bit >> 3] = on ? (bits[bit >> 3] ?? 0) | mask : (bits[bit >> 3] ?? 0) & ~mask;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
