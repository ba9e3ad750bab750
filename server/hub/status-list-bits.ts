import { gunzipSync } from "node:zlib";

/**
 * W3C Bitstring Status List 1.0 sets a minimum, not a size: at least 131,072 entries (herd
 * privacy), each `statusSize` bits. A list may hold more.
 */
export const MIN_STATUS_ENTRIES = 131_072;

/**
 * The most a list is inflated to: 16 MiB, 64 million 2-bit entries, far more than a province
 * issues. GZIP compresses a run of zeros about a thousandfold, so without a bound a list within the
 * contract's one million characters could inflate to gigabytes in the hub's memory.
 */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

export type StatusBitsCheck =
  | { ok: true; bytes: number; entries: number }
  | {
      ok: false;
      problem: "not_multibase" | "not_gzip" | "too_large" | "too_few_entries" | "partial_entry";
      message: string;
      bytes?: number;
      entries?: number;
    };

/**
 * Decodes a list's `encodedList` (multibase base64url, `u` prefix, of the GZIP-compressed
 * bitstring) far enough to know it is one: it inflates, within the bound, to a whole number of
 * `statusSize`-bit entries, at least MIN_STATUS_ENTRIES of them. Says what is wrong otherwise, in
 * Chinese (the hub answers it to the province, the conformance kit prints it). Never throws.
 */
export function checkStatusBits(encodedList: string, statusSize: number): StatusBitsCheck {
  if (!encodedList.startsWith("u") || !/^[A-Za-z0-9_-]*$/.test(encodedList.slice(1)))
    return {
      ok: false,
      problem: "not_multibase",
      message: "encodedList 须为 multibase base64url 编码（以 u 开头）",
    };
  let inflated: Buffer;
  try {
    inflated = gunzipSync(Buffer.from(encodedList.slice(1), "base64url"), {
      maxOutputLength: MAX_INFLATED_BYTES,
    });
  } catch (err) {
    // Node says which: a bound reached is a RangeError, anything else is no GZIP stream.
    return err instanceof RangeError
      ? { ok: false, problem: "too_large", message: `encodedList 解压后超过 ${MAX_INFLATED_BYTES} 字节` }
      : { ok: false, problem: "not_gzip", message: "encodedList 不是 GZIP 压缩的位串" };
  }
  const bytes = inflated.length;
  const bits = bytes * 8;
  const entries = Math.floor(bits / statusSize);
  if (bits % statusSize !== 0)
    return {
      ok: false,
      problem: "partial_entry",
      bytes,
      entries,
      message: `位串 ${bits} 位不是 ${statusSize} 位条目的整数倍`,
    };
  if (entries < MIN_STATUS_ENTRIES)
    return {
      ok: false,
      problem: "too_few_entries",
      bytes,
      entries,
      message: `位串只有 ${entries} 个条目，少于 W3C Bitstring Status List 要求的 ${MIN_STATUS_ENTRIES} 个`,
    };
  return { ok: true, bytes, entries };
}
