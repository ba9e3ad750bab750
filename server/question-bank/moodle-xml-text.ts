import { dataUriImage, formatToText, type PlainText, type TextFormat } from "./html-text.js";
import { imageName } from "./gift.parser.js";
import type { ParsedItem } from "./parsed-item.js";
import { decodeBase64OrNull } from "../lib/base64.js";

/**
 * The element tree and text reading of the Moodle XML import (see moodle-xml.parser.ts): the
 * parser keeps one <question> as a small tree of `El`s, and these helpers read its texts in their
 * declared format and find the one stem image among the files carried beside them.
 */

/** Moodle's `format` attribute of a text field, as the text reader names it. */
export const FORMAT_OF: Record<string, TextFormat> = {
  html: "html",
  moodle_auto_format: "moodle",
  plain_text: "plain",
  markdown: "markdown",
};

const IMAGE_EXT = new Set(["png", "jpg", "jpeg", "gif", "webp"]);

/** An element inside one <question>, kept only until the question is read. */
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** The first child element named `name`. */
export function child(el: El | undefined, name: string): El | undefined {
  return el?.children.find((c) => c.name === name);
}
/** Every child element named `name`. */
export function children(el: El | undefined, name: string): El[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}
/** `<x><text>…</text></x>`, or the element's own text. */
export function childText(el: El | undefined, name: string): string {
  const c = child(el, name);
  return c ? textOf(c) : "";
}
/**
 * An element inside a `<text>` (`<text>每<b>4</b>小时</text>`, HTML written without CDATA): the text
 * would read without it ("每小时"), and Moodle's own importer does not read it as HTML either, so
 * the item is refused rather than guessed at.
 */
export function nestedElements(el: El | undefined, where: string, problems: string[]): void {
  const text = el && child(el, "text");
  const names = [...new Set(text?.children.map((c) => `<${c.name}>`) ?? [])];
  if (names.length)
    problems.push(
      `${where}的 <text> 内含 XML 元素 ${names.join("、")}：HTML 须放在 CDATA（<![CDATA[…]]>）中，或写作 &lt;b&gt; 这样的转义`,
    );
}
/** The element's `<text>` child, or its own text. */
export function textOf(el: El): string {
  const t = child(el, "text");
  return t ? t.text : el.text;
}

/** One text field in its declared format, with the files embedded beside it. */
export interface RichText {
  plain: PlainText;
  files: Map<string, El>;
}

/** Reads a text field in its declared `format` (or `fallback`), with its `<file>`s by name. */
export function richText(el: El | undefined, fallback: TextFormat): RichText {
  const format = FORMAT_OF[el?.attrs.format ?? ""] ?? fallback;
  const plain = formatToText(el ? textOf(el) : "", format);
  const files = new Map(children(el, "file").map((f) => [f.attrs.name ?? "", f]));
  return { plain, files };
}
/** A stand-in for an absent element. */
export const emptyEl: El = { name: "", attrs: {}, children: [], text: "" };

/**
 * The stem's image: an `<img>` whose file travels in the question (`@@PLUGINFILE@@/name` matched to a
 * base64 `<file>`) or a data: URI. One image per question; anything it cannot keep is refused by name.
 */
export function stemImage(text: RichText, problems: string[], notes: string[]): ParsedItem["image"] {
  let image: ParsedItem["image"];
  const used = new Set<string>();
  for (const tag of text.plain.unkept) problems.push(`题干含 <${tag}> 内容，roadcert 只能保存文字和一张图片`);
  for (const img of text.plain.images) {
    const inline = dataUriImage(img.src);
    let found: { filename: string; data: Buffer } | null = null;
    if (inline?.data) found = { filename: `image.${inline.ext}`, data: inline.data };
    else if (inline) {
      problems.push("题干的内嵌图片不是标准 base64 编码，无法导入");
      continue;
    } else if (img.src.startsWith("@@PLUGINFILE@@/")) {
      const filename = decodeName(img.src.slice("@@PLUGINFILE@@/".length).split(/[?#]/)[0] ?? "");
      const file = text.files.get(filename) ?? text.files.get(filename.split("/").pop() ?? "");
      const ext = filename.split(".").pop()?.toLowerCase() ?? "";
      if (file && (file.attrs.encoding ?? "base64") === "base64" && IMAGE_EXT.has(ext)) {
        used.add(file.attrs.name ?? "");
        // XML may wrap the base64 of a <file> over lines; what is left must be canonical.
        const data = decodeBase64OrNull(file.text.replace(/\s+/g, ""));
        if (!data) {
          problems.push(`题干的图片文件「${file.attrs.name ?? filename}」不是标准 base64 编码，无法导入`);
          continue;
        }
        found = { filename: file.attrs.name ?? filename, data };
      }
    }
    if (!found)
      problems.push(`题干引用的图片 ${imageName(img.src)} 不在文件中或不是 PNG/JPEG/GIF/WebP，无法导入`);
    else if (image && image.filename !== found.filename)
      problems.push(`题干有不止一张图片（${imageName(img.src)}），roadcert 每题只保存一张图片`);
    else image = found;
  }
  for (const name of text.files.keys())
    if (!used.has(name)) notes.push(`附件「${name || "（无名）"}」未被题干显示，未导入`);
  return image;
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
