import { QR_PREFIX, MAX_QR_TEXT } from "./envelope.js";

/** The PDF Info key under which roadcert PDFs carry the QR text (ASCII, so it is a plain literal string). */
export const PDF_QR_INFO_KEY = "RoadcertQR";

/**
 * The QR text roadcert embeds in its PDFs' Info dictionary, or null. This is only a convenience for
 * finding the payload: the signature inside it is what is verified, so a forged entry fails like a
 * forged QR. The last match wins (an incremental update appends a newer Info dictionary).
 */
export function extractQrFromPdf(bytes: Uint8Array): string | null {
  const text = Buffer.from(bytes).toString("latin1");
  const re = new RegExp(
    `/${PDF_QR_INFO_KEY} \\((${QR_PREFIX.replace(":", "\\:")}[0-9A-Z $%*+\\-./:]{1,${MAX_QR_TEXT}})\\)`,
    "g",
  );
  let found: string | null = null;
  for (const m of text.matchAll(re)) found = m[1] ?? null;
  return found;
}
