/**
 * What a file's first bytes say it is. Every upload (question images, registration and check-in
 * photos, notice documents, a certificate PDF to verify) is judged by its content, never by its
 * name or declared type: one table of signatures here, so the uploads cannot drift apart.
 */
export type SniffedMediaType = "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "image/webp";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const SIGNATURES: { type: SniffedMediaType; test: (b: Buffer) => boolean }[] = [
  // PDF: the `%PDF-` header (ISO 32000-1 §7.5.2).
  { type: "application/pdf", test: (b) => b.length >= 5 && b.subarray(0, 5).toString("latin1") === "%PDF-" },
  // PNG: the 8-byte signature.
  { type: "image/png", test: (b) => b.length >= 8 && b.subarray(0, 8).equals(PNG) },
  // JPEG: SOI and the next marker's FF.
  { type: "image/jpeg", test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/gif", test: (b) => b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString("latin1")) },
  {
    type: "image/webp",
    test: (b) =>
      b.length >= 12 && b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
  },
];

/** The media type `data` is by its signature, or null when it is none of those above. */
export function sniffMediaType(data: Buffer): SniffedMediaType | null {
  return SIGNATURES.find((s) => s.test(data))?.type ?? null;
}
