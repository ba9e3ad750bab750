/**
 * `bytes` as base64 with its padding taken off: text every upload schema's character check lets
 * through and Node's lenient decoder reads without complaint, but not canonical base64, so the
 * shared strict decoder (server/lib/base64.ts) must refuse it. A byte is appended when the length
 * needs no padding (JPEG, PDF, CSV and the like all still read the same with one more byte at the end).
 */
export function unpaddedBase64(bytes: Buffer): string {
  const padded = bytes.length % 3 === 0 ? Buffer.concat([bytes, Buffer.from("\n")]) : bytes;
  return padded.toString("base64").replace(/=+$/, "");
}
