import { isUtf8 } from "node:buffer";
import iconv from "iconv-lite";

/**
 * Turns an uploaded file's bytes into text before any parser sees it. Examination offices send
 * UTF-8 (with or without the BOM Excel adds), UTF-16 ("Unicode" text from Notepad or Excel) and
 * GBK/GB18030 (Excel's CSV on a Chinese Windows machine). iconv-lite does the decoding because it
 * knows GB18030's four-byte sequences and UTF-16 in both byte orders without native code.
 *
 * Order: a BOM decides; else the XML declaration's encoding; else NUL-byte patterns reveal BOM-less
 * UTF-16; else strict UTF-8; else GB18030, accepted only when the result looks like Chinese text.
 * Anything else is refused: a mis-decoded file imports "ok" as mojibake, which is worse than a refusal.
 * Line endings (CRLF, CR-only from old Mac editors) become LF so every parser counts lines alike.
 */
export type DecodedText =
  { ok: true; text: string; encoding: string; notes: string[] } | { ok: false; error: string };

const BOMS: { bytes: number[]; encoding: string }[] = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: "utf-8" },
  { bytes: [0xff, 0xfe], encoding: "utf-16le" },
  { bytes: [0xfe, 0xff], encoding: "utf-16be" },
];

const GB_FAMILY = /^(gb2312|gbk|gb18030|cp936|x-gbk|euc-cn)$/i;

/**
 * Counts decoded pieces and the longest one (a file must not be held as one string), every
 * character the checking loops visit (each must be visited once) and every character textLines'
 * searches for line ends pass over (each at most twice: once looking for LF, once for CR), for the
 * scale tests.
 */
export const decodeWork = { pieces: 0, longest: 0, chars: 0, lineScan: 0 };

/**
 * The line number at the current character of text read in order: CRLF, a lone CR and LF each
 * end one line (the CR of a CRLF ends it, its LF is then no new line, even in the next piece).
 */
function lineCounter(): { line: number; lineEnd(c: number): boolean } {
  let afterCr = false;
  return {
    line: 1,
    lineEnd(c: number): boolean {
      const cr = c === 0x0d;
      const end = cr || (c === 0x0a && !afterCr);
      const counts = cr || c === 0x0a;
      afterCr = cr;
      if (end) this.line++;
      return counts;
    },
  };
}

function counted(text: string): string {
  decodeWork.pieces++;
  decodeWork.longest = Math.max(decodeWork.longest, text.length);
  return text;
}

/** The encoding a file's bytes are in, where its text starts, and whether the file named it. */
type Detected = { encoding: string; from: number; declared: boolean } | { error: string };

/** Decides the encoding (see the module comment) from the bytes alone, building no text. */
function detectEncoding(bytes: Buffer, xml: boolean): Detected {
  const bom = BOMS.find((b) => b.bytes.every((v, i) => bytes[i] === v));
  if (bom) return { encoding: bom.encoding, from: bom.bytes.length, declared: true };
  const utf16 = sniffUtf16(bytes);
  const declared = xml && !utf16 ? declaredXmlEncoding(bytes) : null;
  if (utf16) return { encoding: utf16, from: 0, declared: false };
  if (declared && GB_FAMILY.test(declared)) return { encoding: "gb18030", from: 0, declared: true };
  if (declared && !/^utf-?8$/i.test(declared) && !/^us-ascii$/i.test(declared))
    return { error: `XML 声明的编码 ${declared} 不受支持（请用 UTF-8、UTF-16 或 GB18030/GBK）` };
  // buffer.isUtf8 validates in one vectorised pass (15 ms for a 31 MB GIFT file of Chinese text).
  if (isUtf8(bytes)) return { encoding: "utf-8", from: 0, declared: declared !== null };
  if (declared !== null) return { error: "XML 声明为 UTF-8，但文件内容不是合法的 UTF-8" };
  // Mostly-Chinese UTF-16 without a BOM has too few ASCII characters for the NUL pattern, and
  // GB18030 reads its byte pairs as other Chinese characters: mojibake that would pass the
  // "looks Chinese" check below. So before GB18030: a file whose every code unit reads as text in
  // exactly one UTF-16 byte order is that. Real GBK text never does (as UTF-16 its pairs are
  // Hangul, Yi and private-use code units), and a file that reads as text both ways is refused.
  const orders = (["utf-16le", "utf-16be"] as const).filter((order) => readsAsUtf16(bytes, order));
  if (orders.length === 2)
    return { error: "文件像是无 BOM 的 UTF-16 编码，但字节序无法判断：请另存为 UTF-8 或带 BOM 的 UTF-16" };
  if (orders[0]) return { encoding: orders[0], from: 0, declared: false };
  return { encoding: "gb18030", from: 0, declared: false };
}

/** Decodes `bytes` (see the module comment); `xml` enables the XML declaration check. */
export function decodeImportBytes(bytes: Buffer, opts: { xml?: boolean } = {}): DecodedText {
  const found = detectEncoding(bytes, opts.xml ?? false);
  let decoded: { text: string; encoding: string } | { error: string };
  if ("error" in found) decoded = found;
  else if (found.encoding === "gb18030") decoded = decodeGb(bytes, found.declared);
  else decoded = { text: iconv.decode(bytes.subarray(found.from), found.encoding), encoding: found.encoding };
  if ("error" in decoded) return { ok: false, error: decoded.error };
  const control = firstControlCharacter(decoded.text);
  if (control >= 0) {
    return {
      ok: false,
      error: `文件含控制字符（第 ${lineAt(decoded.text, control)} 行），不是文本文件或编码无法识别`,
    };
  }
  const notes = decoded.encoding === "utf-8" ? [] : [`文件按 ${decoded.encoding.toUpperCase()} 编码读取`];
  return { ok: true, text: normaliseLineEndings(counted(decoded.text)), encoding: decoded.encoding, notes };
}

/** A fault found while decoding a file piece by piece (see decodeImportChunks). */
export class TextDecodeRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TextDecodeRefusal";
  }
}

/** A file whose encoding is known, decoded a piece at a time when read. */
export type DecodedChunks =
  | { ok: true; encoding: string; notes: string[]; chunks: () => Generator<string> }
  | { ok: false; error: string };

const CHUNK_BYTES = 64 * 1024;

/**
 * Like decodeImportBytes, with the same encoding decisions, but the text is never held whole: the
 * encoding is found from the BOM, the declaration, the NUL pattern or a validation pass over the
 * bytes (buffer.isUtf8, no text built), and chunks() then decodes 64 KB at a time (`chunkBytes`
 * lets tests put a piece boundary anywhere: inside a CRLF, a multi-byte character, an escape).
 * iconv-lite's streaming decoder keeps a character split between two pieces for the next one.
 * What can only be known from all of the text (a control character, GB18030 that does not read
 * as Chinese) throws TextDecodeRefusal when it is met, so a caller that reads everything before
 * acting (the question import's checking pass) still refuses the file. Line endings are left to
 * the reader (see textLines).
 */
export function decodeImportChunks(
  bytes: Buffer,
  opts: { xml?: boolean; chunkBytes?: number } = {},
): DecodedChunks {
  const found = detectEncoding(bytes, opts.xml ?? false);
  if ("error" in found) return { ok: false, error: found.error };
  const { encoding, from } = found;
  const gbDeclared = found.declared;
  const step = opts.chunkBytes ?? CHUNK_BYTES;
  const notes = encoding === "utf-8" ? [] : [`文件按 ${encoding.toUpperCase()} 编码读取`];
  function* chunks(): Generator<string> {
    const decoder = iconv.getDecoder(encoding);
    const gb = encoding === "gb18030" ? { nonAscii: 0, chinese: 0 } : null;
    const lines = lineCounter();
    const check = (text: string): string => {
      for (let i = 0; i < text.length; i++) {
        decodeWork.chars++;
        const c = text.charCodeAt(i);
        // CR, LF and CRLF each end one line, as textLines and saxes count them (a CR-only file
        // named line 1 for every fault); a CRLF split between two pieces still counts once.
        if (lines.lineEnd(c)) continue;
        if (c < 0x20 && c !== 0x09)
          throw new TextDecodeRefusal(`文件含控制字符（第 ${lines.line} 行），不是文本文件或编码无法识别`);
        else if (gb && c >= 0x80 && (c < 0xdc00 || c > 0xdfff)) {
          // (A low surrogate is the second half of a character already counted.)
          if (c === 0xfffd)
            throw new TextDecodeRefusal(
              "文件编码无法识别：既不是 UTF-8，也不是 GB18030/GBK（请另存为 UTF-8）",
            );
          gb.nonAscii++;
          if (looksChinese(c)) gb.chinese++;
        }
      }
      return text;
    };
    for (let at = from; at < bytes.length; at += step) {
      const text = decoder.write(bytes.subarray(at, Math.min(at + step, bytes.length)));
      if (text) yield check(counted(text));
    }
    const rest = decoder.end();
    if (rest) yield check(rest);
    if (gb && !gbDeclared && gb.nonAscii > 0 && gb.chinese / gb.nonAscii < 0.8)
      throw new TextDecodeRefusal(
        "文件编码无法识别：不是 UTF-8，按 GB18030/GBK 解读也不像中文文本（请另存为 UTF-8）",
      );
  }
  return { ok: true, encoding, notes, chunks };
}

/**
 * Lines of text that arrives in pieces, without their line ends: CRLF, a lone CR (old Mac
 * editors) and LF each end a line, also when a CRLF is split between two pieces. Gives what
 * `normaliseLineEndings(text).split("\n")` gives (so a final line end is followed by an empty
 * line), one line at a time, scanning each character once.
 */
export function* textLines(pieces: Iterable<string>): Generator<string> {
  let carry = "";
  let afterCr = false;
  for (const piece of pieces) {
    if (!piece) continue;
    let pos = afterCr && piece.charCodeAt(0) === 0x0a ? 1 : 0;
    afterCr = false;
    // The next LF and CR at or after pos, each searched for again only once passed (linear).
    let lf = scan(piece, "\n", pos);
    let cr = scan(piece, "\r", pos);
    while (lf >= 0 || cr >= 0) {
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      yield carry ? carry + piece.slice(pos, end) : piece.slice(pos, end);
      carry = "";
      pos = end + 1;
      if (end === cr) {
        if (pos === piece.length) afterCr = true;
        else if (piece.charCodeAt(pos) === 0x0a) pos++;
      }
      if (lf >= 0 && lf < pos) lf = scan(piece, "\n", pos);
      if (cr >= 0 && cr < pos) cr = scan(piece, "\r", pos);
    }
    carry += piece.slice(pos);
  }
  yield carry;
}

/** `text.indexOf(ch, from)`, counting the characters the search passes over. */
function scan(text: string, ch: string, from: number): number {
  const at = text.indexOf(ch, from);
  decodeWork.lineScan += (at < 0 ? text.length : at + 1) - from;
  return at;
}

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 keeps a slice
 * (13 characters or more) as a view that holds its whole parent alive, and a template string as
 * a tree of its parts: a report line that outlives its file's 64 KB decoded piece would keep the
 * piece (and a location's tree takes ten times its characters). What an import keeps for every
 * item (its location, ref and notes) is copied through this once.
 */
export function ownString(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, "utf16le").toString("utf16le");
}

/** CRLF and lone CR become LF (one linear pass). */
export function normaliseLineEndings(text: string): string {
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/**
 * GB18030 maps almost any byte pair to some character, so the result is checked: no replacement
 * characters, and most non-ASCII characters must be CJK or the punctuation Chinese text uses.
 */
function decodeGb(bytes: Buffer, declared: boolean): { text: string; encoding: string } | { error: string } {
  const text = iconv.decode(bytes, "gb18030");
  let nonAscii = 0;
  let chinese = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0xfffd)
      return { error: "文件编码无法识别：既不是 UTF-8，也不是 GB18030/GBK（请另存为 UTF-8）" };
    if (c < 0x80) continue;
    nonAscii++;
    if (looksChinese(c)) chinese++;
  }
  if (!declared && nonAscii > 0 && chinese / nonAscii < 0.8)
    return { error: "文件编码无法识别：不是 UTF-8，按 GB18030/GBK 解读也不像中文文本（请另存为 UTF-8）" };
  return { text, encoding: "gb18030" };
}

/** CJK ideographs and the punctuation Chinese text uses. */
function looksChinese(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xff00 && c <= 0xffef) ||
    (c >= 0x2010 && c <= 0x2027) ||
    c === 0xb7 ||
    (c >= 0x2460 && c <= 0x24ff)
  );
}

/** BOM-less UTF-16 shows as NUL bytes in every other position wherever the text is ASCII. */
function sniffUtf16(bytes: Buffer): "utf-16le" | "utf-16be" | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.3 && evenZero < pairs * 0.05) return "utf-16le";
  if (evenZero > pairs * 0.3 && oddZero < pairs * 0.05) return "utf-16be";
  return null;
}

/**
 * Whether every code unit of `bytes` read as UTF-16 is text: printable ASCII, tab, LF, CR, CJK,
 * the punctuation Chinese text uses, or a well-formed surrogate pair. One pass, no text built.
 */
function readsAsUtf16(bytes: Buffer, order: "utf-16le" | "utf-16be"): boolean {
  if (bytes.length < 4 || bytes.length % 2) return false;
  const le = order === "utf-16le";
  for (let i = 0; i < bytes.length; i += 2) {
    const c = le ? bytes.readUInt16LE(i) : bytes.readUInt16BE(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 2 < bytes.length ? (le ? bytes.readUInt16LE(i + 2) : bytes.readUInt16BE(i + 2)) : 0;
      if (next < 0xdc00 || next > 0xdfff) return false;
      i += 2;
    } else if (!(c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f) || looksChinese(c)))
      return false;
  }
  return true;
}

/** `encoding="…"` of an ASCII-compatible XML declaration, or null when there is none. */
function declaredXmlEncoding(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 200).toString("latin1");
  if (!head.startsWith("<?xml")) return null;
  const end = head.indexOf("?>");
  const decl = end > 0 ? head.slice(0, end) : head;
  return /\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(decl)?.[1] ?? "utf-8";
}

/** Index of the first C0 control other than tab, LF and CR (NULs mean binary or a wrong decoding). */
function firstControlCharacter(text: string): number {
  for (let i = 0; i < text.length; i++) {
    decodeWork.chars++;
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

function lineAt(text: string, index: number): number {
  const lines = lineCounter();
  for (let i = 0; i < index; i++) {
    decodeWork.chars++;
    lines.lineEnd(text.charCodeAt(i));
  }
  return lines.line;
}
