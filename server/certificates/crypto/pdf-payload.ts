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
  const payload = `(${QR_PREFIX.replace(":", "\\:")}[0-9A-Z $%*+\\-./:]{1,${MAX_QR_TEXT}})`;
  let found: string | null = null;
  // pdfkit writes Info values as indirect string objects (`/RoadcertQR 21 0 R` … `21 0 obj (RC1:…)`);
  // other writers may put the literal inline.
  for (const m of text.matchAll(new RegExp(`/${PDF_QR_INFO_KEY}\\s*\\(${payload}\\)`, "g")))
    found = m[1] ?? null;
  for (const m of text.matchAll(new RegExp(`/${PDF_QR_INFO_KEY}\\s+(\\d{1,9})\\s+(\\d{1,5})\\s+R`, "g"))) {
    const obj = new RegExp(`(?:^|[\\r\\n])${m[1]}\\s+${m[2]}\\s+obj\\s*\\(${payload}\\)`).exec(text);
    if (obj?.[1]) found = obj[1];
  }
  return found;
}
