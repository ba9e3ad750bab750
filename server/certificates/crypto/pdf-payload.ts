import { QR_PREFIX, MAX_QR_TEXT } from "./envelope.js";

/** The PDF Info key under which roadcert PDFs carry the QR text (ASCII, so it is a plain literal string). */
export const PDF_QR_INFO_KEY = "RoadcertQR";

/**
 * The most QR entries (Info values under PDF_QR_INFO_KEY) a file is searched with. roadcert writes
 * one; each incremental update of a viewer or a signing tool may append a newer Info dictionary
 * repeating it. A file with more was not made by roadcert: it is refused rather than read, since
 * which of many entries counts is anyone's guess (and a flood of them is how an upload would make
 * the search expensive).
 */
export const MAX_PDF_QR_ENTRIES = 8;

/**
 * The largest PDF the public verification accepts. A roadcert certificate is one A4 page: its
 * text, a subset of the CJK font and a vector QR (about 40 KB), plus the holder's photo as
 * registration stored it (at most MAX_PHOTO_BYTES, 512 KB). 2 MB leaves a margin of more than
 * twice that for what a viewer's re-save adds, and refuses the rest before it is read.
 */
export const MAX_VERIFY_PDF_BYTES = 2 * 1024 * 1024;

const PAYLOAD = `(${QR_PREFIX.replace(":", "\\:")}[0-9A-Z $%*+\\-./:]{1,${MAX_QR_TEXT}})`;
// An Info entry: the literal inline (other writers) or a reference to an indirect string object
// (pdfkit: `/RoadcertQR 21 0 R` … `21 0 obj (RC1:…)`). Whitespace runs are bounded so that no
// match attempt can run far: every search below is one linear pass over the file.
const ENTRY = new RegExp(
  `/${PDF_QR_INFO_KEY}(?:\\s{0,8}\\(${PAYLOAD}\\)|\\s{1,8}(\\d{1,9})\\s{1,8}(\\d{1,5})\\s{1,8}R)?`,
  "g",
);
const OBJECT = new RegExp(
  `(?:^|[\\r\\n])(\\d{1,9})\\s{1,8}(\\d{1,5})\\s{1,8}obj\\s{0,8}\\(${PAYLOAD}\\)`,
  "g",
);

export type PdfQrSearch = { ok: true; text: string | null } | { ok: false; reason: "too_many_entries" };

/**
 * The QR text roadcert embeds in its PDFs' Info dictionary (null: none), or a refusal when the
 * file holds more than MAX_PDF_QR_ENTRIES entries. This is only a convenience for finding the
 * payload: the signature inside it is what is verified, so a forged entry fails like a forged QR.
 * The last entry that resolves wins, and an object defined again resolves to its last definition:
 * an incremental update appends its newer Info dictionary and objects (PDF 32000-1, 7.5.6).
 */
export function findQrInPdf(bytes: Uint8Array): PdfQrSearch {
  const text = Buffer.from(bytes).toString("latin1");
  const entries: ({ text: string } | { ref: string })[] = [];
  for (const m of text.matchAll(ENTRY)) {
    if (entries.length === MAX_PDF_QR_ENTRIES) return { ok: false, reason: "too_many_entries" };
    if (m[1]) entries.push({ text: m[1] });
    else if (m[2] && m[3]) entries.push({ ref: objectKey(m[2], m[3]) });
    // A bare key (neither form) still counts toward the cap: it is an entry roadcert did not write.
    else entries.push({ ref: "" });
  }
  const wanted = new Set(entries.flatMap((e) => ("ref" in e && e.ref ? [e.ref] : [])));
  const objects = new Map<string, string>();
  if (wanted.size > 0) {
    for (const m of text.matchAll(OBJECT)) {
      const key = objectKey(m[1] ?? "", m[2] ?? "");
      if (m[3] && wanted.has(key)) objects.set(key, m[3]);
    }
  }
  let found: string | null = null;
  for (const e of entries) {
    const resolved = "text" in e ? e.text : objects.get(e.ref);
    if (resolved) found = resolved;
  }
  return { ok: true, text: found };
}

/** `findQrInPdf`'s text, null when there is none or the file was refused (the CLI then scans the page). */
export function extractQrFromPdf(bytes: Uint8Array): string | null {
  const found = findQrInPdf(bytes);
  return found.ok ? found.text : null;
}

/** `21 0` for `21 0 R` and `021 00 obj` alike. */
function objectKey(num: string, gen: string): string {
  return `${Number(num)} ${Number(gen)}`;
}
