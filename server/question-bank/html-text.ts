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
  /**
   * Source an HTML reading swallows, as written (`<v0时，驾驶员应当`, `<B时，速度>`, `</x>`): a `<`
   * meant as "less than" opens a tag, and the words after it vanish. The caller refuses the item.
   */
  lost: string[];
  /** `<sup>`/`<sub>` were written as `^`/`_` (10<sup>3</sup> → 10^3), which the caller notes. */
  scripts: boolean;
}

/** Elements whose end starts a new line. */
const BLOCKS = new Set([
  "p",
  "thead",
  "tbody",
  "tfoot",
  "caption",
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
/** Table cells: their end is a separator, so `<td>2</td><td>18</td>` does not read as 218. */
const CELLS = new Set(["td", "th"]);
const CELL_SEPARATOR = " | ";
/**
 * Written as `^`/`_`: 10<sup>3</sup> joined as it was read 103, another number. Refusing them instead
 * would refuse the units and formulas banks carry (m<sup>3</sup>, CO<sub>2</sub>); `^`/`_` keep the meaning.
 */
const SCRIPTS: Record<string, string> = { sup: "^", sub: "_" };
/** The note the parsers add when `PlainText.scripts` is set. */
export const SCRIPTS_NOTE = "上标/下标已写作 ^ 与 _（如 10^3、CO_2），请核对";
/** Elements that have no end tag, or whose end tag HTML lets an author leave out. */
const NO_END_NEEDED = new Set([
  ...["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"],
  ...["param", "keygen", "html", "head", "body", "p", "li", "dt", "dd", "tr", "td", "th", "thead"],
  ...["tbody", "tfoot", "option", "optgroup", "rt", "rp", "colgroup", "caption"],
]);
/**
 * Every element name of HTML (current and obsolete ones editors still write). Any other tag name
 * (`<v0时，驾驶员应当`, `<B时，速度>`) is text that HTML swallowed, not markup; names with a colon
 * are the namespaced tags Word pastes (`<o:p>`) and are kept as before.
 */
const HTML_ELEMENTS = new Set(
  (
    "a abbr acronym address area article aside audio b base basefont bdi bdo big blink blockquote body br " +
    "button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl " +
    "dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header " +
    "hgroup hr html i iframe img input ins kbd keygen label legend li link main map mark marquee math menu " +
    "meta meter nav nobr noframes noscript object ol optgroup option output p param picture pre progress q " +
    "rb rp rt rtc ruby s samp script search section select slot small source span strike strong style sub " +
    "summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr"
  ).split(" "),
);
/** An attribute name as HTML authors write them; anything else is swallowed text (`<p 时>`). */
const ATTRIBUTE_NAME = /^[a-z_:@][-a-z0-9_:.@]*$/;

function noMarkup(text: string): PlainText {
  return { text, hadMarkup: false, images: [], unkept: [], lost: [], scripts: false };
}

/** Turns `source` written in `format` into plain text (see the module comment). */
export function formatToText(source: string, format: TextFormat): PlainText {
  if (format === "plain") return noMarkup(source.trim());
  if (format === "markdown") {
    // marked renders CommonMark to HTML synchronously; the HTML path then makes it text.
    const html = marked.parse(source, { async: false, gfm: true });
    return htmlToText(html, { newlinesBreak: false });
  }
  // Most question text has no markup at all: the same whitespace rules apply without a parser.
  if (!source.includes("<") && !source.includes("&")) {
    const out = new TextBuilder();
    out.append(source, format === "moodle");
    return noMarkup(out.toString());
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
  const lost: string[] = [];
  const scriptsOpen: { name: string; from: number }[] = [];
  let scripts = false;
  let hadMarkup = false;
  let silentDepth = 0;
  // Every character of the source is text, a tag, a comment or a declaration; one the parser
  // accounted for as none of them (an unfinished `<v0…` at the end, a stray `</x>`) was dropped.
  let covered = 0;
  const account = (start: number, end: number) => {
    if (start > covered) lost.push(html.slice(covered, start));
    covered = Math.max(covered, end + 1);
  };
  const parser: Parser = new Parser(
    {
      onopentag(name, attrs) {
        account(parser.startIndex, parser.endIndex);
        const known = HTML_ELEMENTS.has(name) || /^[a-z][a-z0-9]*:[a-z]/.test(name);
        if (!known || Object.keys(attrs).some((a) => !ATTRIBUTE_NAME.test(a)))
          lost.push(html.slice(parser.startIndex, parser.endIndex + 1));
        if (!TRIVIAL.has(name)) hadMarkup = true;
        if (SILENT.has(name)) silentDepth++;
        if (name === "br") out.lineBreak();
        else if (BLOCKS.has(name)) out.blockBoundary();
        if (name === "img") images.push({ src: attrs.src ?? "", alt: attrs.alt ?? "" });
        if (EMBEDDED.has(name)) unkept.push(name);
        if (Object.hasOwn(SCRIPTS, name)) scriptsOpen.push({ name, from: out.mark() });
      },
      onclosetag(name, isImplied) {
        // `选<A>项` reads as a link around 项 that never ends: real HTML closes such an element.
        if (isImplied && !NO_END_NEEDED.has(name) && HTML_ELEMENTS.has(name))
          lost.push(`<${name}>（未闭合）`);
        if (!isImplied) account(parser.startIndex, parser.endIndex);
        if (SILENT.has(name)) silentDepth = Math.max(0, silentDepth - 1);
        if (BLOCKS.has(name)) out.blockBoundary();
        else if (CELLS.has(name)) out.cellBoundary();
        const script = Object.hasOwn(SCRIPTS, name) ? SCRIPTS[name] : undefined;
        if (script && scriptsOpen[scriptsOpen.length - 1]?.name === name) {
          const open = scriptsOpen.pop();
          if (open && out.wrapSince(open.from, script)) scripts = true;
        }
      },
      ontext(text) {
        account(parser.startIndex, parser.endIndex);
        htmlWork.texts++;
        if (silentDepth === 0) out.append(text, opts.newlinesBreak ?? false);
      },
      oncomment() {
        account(parser.startIndex, parser.endIndex);
      },
      onprocessinginstruction() {
        account(parser.startIndex, parser.endIndex);
      },
      oncdatastart() {
        account(parser.startIndex, parser.endIndex);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  htmlWork.parsed += html.length;
  parser.write(html);
  parser.end();
  if (covered < html.length) lost.push(html.slice(covered));
  return {
    text: out.toString(),
    hadMarkup,
    images,
    unkept,
    lost: lost.filter((l) => l.trim() !== ""),
    scripts,
  };
}

/**
 * The refusal for text an HTML reading loses (`PlainText.lost`), naming where and what; `hint`
 * says how the format writes a literal `<`.
 */
export function lostTextProblems(text: PlainText, where: string, hint: string): string[] {
  return text.lost.map(
    (l) =>
      `${where}中的「${l.length > 30 ? `${l.slice(0, 30)}…` : l}」按 HTML 读取时不是文字而是标签，其中或其后的文字会丢失：${hint}`,
  );
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
  private pendingCell = false;
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

  /** Where the text ends now, for `wrapSince`. */
  mark(): number {
    return this.parts.length;
  }

  /** Writes what was appended since `from` as `^3` or `^(n+1)`; says whether there was any. */
  wrapSince(from: number, sign: string): boolean {
    const held = this.parts.splice(from).join("");
    const lead = /^\s*/.exec(held)?.[0] ?? "";
    const body = held.slice(lead.length);
    if (lead) this.parts.push(lead);
    if (!body) return false;
    this.parts.push(sign, [...body].length > 1 ? `(${body})` : body);
    this.empty = false;
    return true;
  }

  /** A table cell's end: the next text in the same row is set apart from it. */
  cellBoundary(): void {
    if (this.pendingBreaks === 0) this.pendingCell = true;
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
      else if (this.pendingCell) this.parts.push(CELL_SEPARATOR);
      else if (this.pendingSpace) this.parts.push(" ");
    }
    this.pendingBreaks = 0;
    this.pendingCell = false;
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
