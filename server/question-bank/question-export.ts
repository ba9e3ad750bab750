import ExcelJS from "exceljs";
import type { QuestionInput } from "../contracts/question-bank.js";
import { CSV_COLUMNS, questionCells } from "./csv.parser.js";
import { categorySegment } from "./parsed-item.js";

/**
 * Writers for the formats the importer reads, so a bank can travel to Moodle and back (and the
 * round-trip tests can prove each reader against its writer). Texts are written in the formats'
 * literal modes (GIFT `[plain]`, Moodle `plain_text`), so nothing in a question's text is ever read
 * back as markup.
 */

const GIFT_SPECIAL = /[~=#{}:\\]/g;

/**
 * GIFT has no escape for a carriage return, and a raw one ends the line: "\r\n" came back as two
 * line breaks. A line break is written `\n` whichever way the text holds it.
 */
function giftText(text: string): string {
  return text.replace(GIFT_SPECIAL, (ch) => `\\${ch}`).replace(/\r\n?|\n/g, "\\n");
}

/**
 * The options in key order: the readers number options A–D in the order the file lists them, so a
 * question held with B before A came back with the texts relabelled and its key pointing elsewhere.
 */
function inKeyOrder(q: QuestionInput): QuestionInput["options"] {
  return [...q.options].sort((a, b) => a.key.localeCompare(b.key));
}

/** GIFT: one `$CATEGORY:` per chapter, `::ref::[plain]stem{…####[plain]explanation}` per question. */
export function toGift(questions: QuestionInput[]): string {
  const out: string[] = ["// roadcert 导出（GIFT）", ""];
  let chapter: string | null = null;
  for (const q of questions) {
    if (q.chapter !== chapter) {
      chapter = q.chapter;
      out.push(`$CATEGORY: $course$/top/${giftText(categorySegment(chapter))}`, "");
    }
    let answers: string;
    if (q.type === "true_false") answers = q.answer[0] === "T" ? "TRUE" : "FALSE";
    else if (q.type === "single")
      answers = inKeyOrder(q)
        .map((o) => `${q.answer.includes(o.key) ? "=" : "~"}[plain]${giftText(o.text)}`)
        .join(" ");
    else {
      const share = Math.round((100 / q.answer.length) * 100000) / 100000;
      answers = inKeyOrder(q)
        .map((o) => `~%${q.answer.includes(o.key) ? share : -100}%[plain]${giftText(o.text)}`)
        .join(" ");
    }
    const feedback = q.explanation ? `####[plain]${giftText(q.explanation)}` : "";
    out.push(`::${giftText(q.ref)}::[plain]${giftText(q.stem)}{${answers}${feedback}}`, "");
  }
  return out.join("\n");
}

/** XML text; a carriage return as `&#13;`, which XML's line-end normalisation would drop. */
function xmlEscape(text: string): string {
  return text.replace(/[&<>"\r]/g, (ch) =>
    ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch === "\r" ? "&#13;" : "&quot;",
  );
}

/** Moodle XML with every text as `plain_text`; chapters as category questions, tags as tags. */
export function toMoodleXml(questions: QuestionInput[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"];
  const text = (t: string) => `<text>${xmlEscape(t)}</text>`;
  let chapter: string | null = null;
  for (const q of questions) {
    if (q.chapter !== chapter) {
      chapter = q.chapter;
      out.push(
        `  <question type="category"><category>${text(`$course$/top/${categorySegment(chapter)}`)}</category></question>`,
      );
    }
    const type = q.type === "true_false" ? "truefalse" : "multichoice";
    out.push(`  <question type="${type}">`, `    <name>${text(q.ref)}</name>`);
    out.push(`    <questiontext format="plain_text">${text(q.stem)}</questiontext>`);
    out.push(`    <generalfeedback format="plain_text">${text(q.explanation)}</generalfeedback>`);
    if (q.type === "true_false") {
      out.push(`    <answer fraction="${q.answer[0] === "T" ? 100 : 0}">${text("true")}</answer>`);
      out.push(`    <answer fraction="${q.answer[0] === "F" ? 100 : 0}">${text("false")}</answer>`);
    } else {
      out.push(`    <single>${q.type === "single" ? "true" : "false"}</single>`);
      const share = q.type === "single" ? 100 : Math.round((100 / q.answer.length) * 100000) / 100000;
      for (const o of inKeyOrder(q)) {
        const fraction = q.answer.includes(o.key) ? share : 0;
        out.push(`    <answer fraction="${fraction}" format="plain_text">${text(o.text)}</answer>`);
      }
    }
    if (q.tags.length) out.push(`    <tags>${q.tags.map((t) => `<tag>${text(t)}</tag>`).join("")}</tags>`);
    out.push("  </question>");
  }
  out.push("</quiz>", "");
  return out.join("\n");
}

/**
 * An XLSX sheet with the roadcert CSV columns. Cells are written as text (never as formulas), so a
 * stem starting with "=" is shown, not evaluated, when the sheet is opened in Excel.
 */
export async function toXlsx(questions: QuestionInput[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("题目");
  sheet.addRow([...CSV_COLUMNS]);
  for (const q of questions) sheet.addRow(questionCells(q));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
