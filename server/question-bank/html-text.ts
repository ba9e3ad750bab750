import { Parser } from "htmlparser2";
import { marked } from "marked";
import { decodeBase64OrNull } from "../lib/base64.js";

/**
 * Question text as the formats define it, turned into the plain text roadcert keeps. Moodle's
 * text formats: `html`, `moodle` (auto-format: HTML allowed, every newline is a line break),
 * `plain` (shown literally, no markup at all) and `markdown`. HTML goes through htmlparser2, a
 * well-kept tolerant parser that decodes every named and numeric entity (`&ldquo;`, `&#x4E2D;`)
 * and treats a `<` that starts no tag (`mass <3.5t`) as text; hand-written regexes did neither.
 */
export type TextFormat = "html" | "moodle" | "plain" | "markdown";

export interface ImageRef {
  src: string;
  alt: string;
}

export interface PlainText {
  text: string;
  /** The text had tags beyond line breaks (an examiner may want to check the result). */
  hadMarkup: boolean;
  /** `<img>` elements in document order; the caller stores them or refuses the question. */
  images: ImageRef[];
  /** Embedded content roadcert cannot show (`<video>`, `<iframe>` …), by tag name. */
  unkept: string[];
}

/** Elements whose end starts a new line. */
const BLOCKS = new Set([
  "p",
  "div",
  "li",
  "tr",
  "table",
  "ul",
  "ol",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "section",
  "article",
  "dd",
  "dt",
  "dl",
  "hr",
  "figure",
  "figcaption",
]);
/** Elements whose content is never text for a reader. */
const SILENT = new Set(["script", "style", "head", "title", "template", "noscript"]);
/** Embedded content that cannot become text or a question image. */
const EMBEDDED = new Set(["video", "audio", "iframe", "object", "embed", "svg", "canvas", "math"]);
/** Tags that carry no visible markup of their own when counting whether the text had markup. */
const TRIVIAL = new Set(["br", "p"]);

/** Turns `source` written in `format` into plain text (see the module comment). */
export function formatToText(source: string, format: TextFormat): PlainText {
  if (format === "plain") return { text: source.trim(), hadMarkup: false, images: [], unkept: [] };
  if (format === "markdown") {
    // marked renders CommonMark to HTML synchronously; the HTML path then makes it text.
    const html = marked.parse(source, { async: false, gfm: true });
    return htmlToText(html, { newlinesBreak: false });
  }
  // Most question text has no markup at all: the same whitespace rules apply without a parser.
  if (!source.includes("<") && !source.includes("&")) {
    const out = new TextBuilder();
    out.append(source, format === "moodle");
    return { text: out.toString(), hadMarkup: false, images: [], unkept: [] };
  }
  return htmlToText(source, { newlinesBreak: format === "moodle" });
}

/**
 * HTML to text in one linear pass: whitespace runs collapse to one space (HTML's own rule), `<br>`
 * and block ends become line breaks, `&nbsp;` stays a space. With `newlinesBreak` (Moodle's
 * auto-format) a newline in the source is a line break too.
 */
export function htmlToText(html: string, opts: { newlinesBreak?: boolean } = {}): PlainText {
  const out = new TextBuilder();
  const images: ImageRef[] = [];
  const unkept: string[] = [];
  let hadMarkup = false;
  let silentDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (!TRIVIAL.has(name)) hadMarkup = true;
        if (SILENT.has(name)) silentDepth++;
        if (name === "br") out.lineBreak();
        else if (BLOCKS.has(name)) out.blockBoundary();
        if (name === "img") images.push({ src: attrs.src ?? "", alt: attrs.alt ?? "" });
        if (EMBEDDED.has(name)) unkept.push(name);
      },
      onclosetag(name) {
        if (SILENT.has(name)) silentDepth = Math.max(0, silentDepth - 1);
        if (BLOCKS.has(name)) out.blockBoundary();
      },
      ontext(text) {
        htmlWork.texts++;
        if (silentDepth === 0) out.append(text, opts.newlinesBreak ?? false);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  htmlWork.parsed += html.length;
  parser.write(html);
  parser.end();
  return { text: out.toString(), hadMarkup, images, unkept };
}

/**
 * Work counters for the scale tests, kept where the work is done: `parsed` counts the characters
 * handed to htmlparser2 (which decodes entities as it tokenises), `texts` its text callbacks, and
 * `chars` every character the whitespace-collapsing loop visits, so a loop that rescans a run or
 * re-appends what it holds shows up as more than one visit per character.
 */
export const htmlWork = { chars: 0, parsed: 0, texts: 0 };

/** Collects text with HTML's whitespace rules without ever rescanning what it already holds. */
class TextBuilder {
  private parts: string[] = [];
  private pendingSpace = false;
  private pendingBreaks = 0;
  private empty = true;

  append(text: string, newlinesBreak: boolean): void {
    let runStart = -1;
    for (let i = 0; i < text.length; i++) {
      htmlWork.chars++;
      const c = text.charCodeAt(i);
      const ws = c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
      if (!ws) {
        if (runStart < 0) {
          runStart = i;
          this.flushPending();
        }
        continue;
      }
      if (runStart >= 0) {
        this.parts.push(text.slice(runStart, i).replace(/\u00a0/g, " "));
        this.empty = false;
        runStart = -1;
      }
      if (c === 0x0a && newlinesBreak) this.lineBreak();
      else this.pendingSpace = true;
    }
    if (runStart >= 0) {
      this.parts.push(text.slice(runStart).replace(/\u00a0/g, " "));
      this.empty = false;
    }
  }

  lineBreak(): void {
    this.pendingBreaks++;
    this.pendingSpace = false;
  }

  blockBoundary(): void {
    this.pendingBreaks = Math.max(this.pendingBreaks, 1);
    this.pendingSpace = false;
  }

  private flushPending(): void {
    if (!this.empty) {
      if (this.pendingBreaks > 0) this.parts.push("\n".repeat(Math.min(this.pendingBreaks, 2)));
      else if (this.pendingSpace) this.parts.push(" ");
    }
    this.pendingBreaks = 0;
    this.pendingSpace = false;
  }

  toString(): string {
    return this.parts.join("");
  }
}

/**
 * `data:image/…;base64,…` URIs are the only images a text format can carry inside itself. `data`
 * is null when the URI's base64 is not canonical (the image would be stored as other bytes).
 */
export function dataUriImage(src: string): { data: Buffer | null; ext: string } | null {
  const m = /^data:image\/(png|jpeg|jpg|gif|webp);base64,/i.exec(src);
  if (!m) return null;
  const ext = (m[1] ?? "png").toLowerCase();
  return { data: decodeBase64OrNull(src.slice(m[0].length)), ext: ext === "jpeg" ? "jpg" : ext };
}
