import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { ImportDefaults, ParsedFile, ParsedItem } from "./parsed-item.js";
import { derivedRef, htmlToText, toItem } from "./parsed-item.js";

/**
 * Moodle XML import (Moodle's own question export format). Supported: `category` (→ chapter, the
 * last path segment), `multichoice` single or multiple with four answers (fraction > 0 = correct),
 * `truefalse`, `name` (→ ref), `generalfeedback` (→ explanation), `tags`, HTML text (→ plain text)
 * and one embedded image per question (base64 `<file>` → stored image). Reported and skipped:
 * shortanswer, numerical, essay, matching, cloze (multianswer), calculated, description, drag-and-drop
 * and any other type; choice questions without exactly four answers. Answer feedback, penalties and
 * per-question grades are dropped with a note (scoring comes from the blueprint).
 */

const SUPPORTED_NOT: Record<string, string> = {
  shortanswer: "简答题（shortanswer）",
  numerical: "数值题（numerical）",
  essay: "论述题（essay）",
  matching: "配对题（matching）",
  multianswer: "完形填空（cloze / multianswer）",
  calculated: "计算题（calculated）",
  calculatedsimple: "简单计算题（calculatedsimple）",
  calculatedmulti: "计算选择题（calculatedmulti）",
  description: "说明文字（description）",
  ddwtos: "拖放填词（ddwtos）",
  gapselect: "下拉选词（gapselect）",
  ddimageortext: "拖放到图片（ddimageortext）",
  ddmarker: "拖放标记（ddmarker）",
  randomsamatch: "随机配对（randomsamatch）",
};

type Node = Record<string, unknown>;

function asNode(v: unknown): Node {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Node) : {};
}
function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}
/** Reads an XML attribute as text (fast-xml-parser keeps attributes as `@_name`). */
function attr(node: Node, name: string): string {
  const v = node[`@_${name}`];
  return typeof v === "string" || typeof v === "number" ? String(v) : "";
}

/** Reads `<x><text>…</text></x>` (or a bare text value). */
function textOf(v: unknown): string {
  if (typeof v === "string" || typeof v === "number") return String(v);
  const node = asNode(v);
  const t = node.text ?? node["#text"];
  if (t === undefined) return "";
  return typeof t === "string" || typeof t === "number" ? String(t) : textOf(t);
}

const MIME_BY_EXT: Record<string, boolean> = { png: true, jpg: true, jpeg: true, gif: true, webp: true };

/** Parses Moodle XML text into items; `defaults.categories` supplies the practitioner categories. */
export function parseMoodleXml(xml: string, defaults: ImportDefaults = {}): ParsedFile {
  const empty: ParsedFile = { format: "moodle_xml", items: [], blueprints: [], fileErrors: [] };
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    return { ...empty, fileErrors: [`第 ${valid.err.line} 行：XML 格式错误（${valid.err.msg}）`] };
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => ["question", "answer", "tag", "file"].includes(name),
  });
  const doc = asNode(parser.parse(xml));
  const quiz = asNode(doc.quiz);
  if (!("quiz" in doc)) return { ...empty, fileErrors: ["缺少 <quiz> 根元素，不是 Moodle XML 题目文件"] };
  const questionLines = [...xml.matchAll(/<question\b/g)].map(
    (m) => xml.slice(0, m.index).split("\n").length,
  );
  const items: ParsedItem[] = [];
  let chapter = defaults.chapter;
  asArray(quiz.question).forEach((raw, i) => {
    const q = asNode(raw);
    const type = attr(q, "type");
    const line = questionLines[i] ?? 0;
    if (type === "category") {
      const path = textOf(q.category)
        .trim()
        .replace(/^\$(course|system|module|cat\d*)\$\/(top\/)?/, "");
      chapter = path.split("/").filter(Boolean).pop() ?? chapter;
      return;
    }
    const name = textOf(q.name).trim();
    const location = `第 ${line} 行（${name ? `「${name}」` : `第 ${i + 1} 个 <question>`}）`;
    const ref = name ? name.slice(0, 64) : undefined;
    if (type !== "multichoice" && type !== "truefalse") {
      items.push({
        location,
        ref,
        outcome: "skipped",
        notes: [`${SUPPORTED_NOT[type] ?? `题型 ${type || "（未注明）"}`} roadcert 不支持`],
      });
      return;
    }
    const notes: string[] = [];
    const qt = asNode(q.questiontext);
    const stemHtml = htmlToText(textOf(qt));
    if (stemHtml.hadMarkup) notes.push("HTML 格式已转为纯文本");
    const files = asArray(qt.file).map(asNode);
    let image: ParsedItem["image"];
    for (const f of files) {
      const filename = attr(f, "name");
      const ext = filename.split(".").pop()?.toLowerCase() ?? "";
      if (image || attr(f, "encoding") !== "base64" || !MIME_BY_EXT[ext]) {
        notes.push(`附件 ${filename || "（无名）"} 未导入（每题仅一张 PNG/JPEG/GIF/WebP 图片）`);
        continue;
      }
      image = { filename, data: Buffer.from(textOf(f["#text"] ?? f), "base64") };
    }
    if (stemHtml.hadImage && !image) notes.push("题干引用的图片文件不在导入文件中，未导入");
    const explanation = htmlToText(textOf(q.generalfeedback)).text;
    const tags = asArray(asNode(q.tags).tag)
      .map((t) => textOf(t).trim())
      .filter(Boolean);
    const answers = asArray(q.answer).map(asNode);
    if (answers.some((a) => htmlToText(textOf(a.feedback)).text)) notes.push("选项反馈（feedback）未导入");
    if (q.penalty !== undefined && Number(textOf(q.penalty)) > 0)
      notes.push("重答扣分（penalty）不适用于考试，未导入");
    if (q.defaultgrade !== undefined && Number(textOf(q.defaultgrade)) !== 1)
      notes.push("题目分值（defaultgrade）由组卷方案决定，未导入");
    const stem = stemHtml.text;
    const base = {
      ref: ref ?? derivedRef("moodle", stem),
      stem,
      explanation,
      chapter,
      categories: defaults.categories,
      tags,
      source: "Moodle XML 导入",
      ...(defaults.difficulty ? { difficulty: defaults.difficulty } : {}),
    };
    if (type === "truefalse") {
      const right = answers.find((a) => Number(a["@_fraction"] ?? 0) > 0);
      const text = right ? textOf(right).trim().toLowerCase() : "";
      const answer = text === "true" ? "T" : text === "false" ? "F" : "";
      items.push(
        withImage(
          toItem(
            location,
            { ...base, type: "true_false", options: [], answer: answer ? [answer] : [] },
            notes,
          ),
          image,
        ),
      );
      return;
    }
    if (answers.length !== 4) {
      items.push({
        location,
        ref: base.ref,
        outcome: "skipped",
        notes: [`选择题有 ${answers.length} 个选项；roadcert 选择题须恰有 A–D 四个选项`],
      });
      return;
    }
    const single = textOf(q.single).trim().toLowerCase() !== "false";
    const keys = ["A", "B", "C", "D"] as const;
    const fractions = answers.map((a) => Number(a["@_fraction"] ?? 0));
    if (!single && fractions.some((f) => f > 0 && f < 100))
      notes.push("按比例给分的多选题按全对得分导入（评分方式由组卷方案决定）");
    const options = answers.map((a, k) => ({ key: keys[k], text: htmlToText(textOf(a)).text }));
    const answer = fractions
      .map((f, k) => (f > 0 ? keys[k] : null))
      .filter((k): k is (typeof keys)[number] => k !== null);
    items.push(
      withImage(
        toItem(location, { ...base, type: single ? "single" : "multiple", options, answer }, notes),
        image,
      ),
    );
  });
  return { ...empty, items };
}

function withImage(item: ParsedItem, image: ParsedItem["image"]): ParsedItem {
  return image && item.outcome === "ok" ? { ...item, image } : item;
}
