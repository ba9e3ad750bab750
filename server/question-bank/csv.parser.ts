import type { ParsedFile, ParsedItem, ImportDefaults } from "./parsed-item.js";
import { readCsvCell, readCsvRows, toCsvText } from "../lib/csv.js";
import { FileRefusal, toItem } from "./parsed-item.js";
import { ownEntry } from "../contracts/own-entry.js";
import { columnLetters } from "../lib/xlsx-rows.js";
import { errors } from "../lib/errors.js";

/** What separates the items of a list cell (categories, tags) as the importer reads it. */
const LIST_SEPARATOR = /[|;；]/;

/**
 * roadcert CSV: one question per row, header row required. Columns (order free, names fixed):
 * ref, type, stem, A, B, C, D, answer, explanation, chapter, categories, difficulty, tags, source.
 * `type` is true_false/single/multiple or 判断/单选/多选; `answer` "B", "ABD", "T"/"F" or 正确/错误;
 * `categories` and `tags` separated by "|". RFC 4180 quoting (quotes, commas, newlines in fields).
 */
export const CSV_COLUMNS = [
  "ref",
  "type",
  "stem",
  "A",
  "B",
  "C",
  "D",
  "answer",
  "explanation",
  "chapter",
  "categories",
  "difficulty",
  "tags",
  "source",
] as const;

const TYPE_ALIASES: Record<string, string> = {
  判断: "true_false",
  判断题: "true_false",
  单选: "single",
  单选题: "single",
  多选: "multiple",
  多选题: "multiple",
};
const TF_ALIASES: Record<string, string> = {
  正确: "T",
  对: "T",
  是: "T",
  TRUE: "T",
  错误: "F",
  错: "F",
  否: "F",
  FALSE: "F",
};

/** Splits CSV text into rows of fields (see `readCsvRows`). */
export function parseCsvRows(text: string): { line: number; fields: string[] }[] | { error: string } {
  try {
    return [...readCsvRows(text)];
  } catch (err) {
    if (err instanceof FileRefusal) return { error: err.message };
    throw err;
  }
}

/**
 * Reads roadcert question rows (a CSV file or an XLSX sheet) one at a time: the first row is the
 * header; throws FileRefusal when the header is wrong.
 */
export function* readQuestionRows(
  rows: Iterable<{ line: number; fields: string[] }>,
  defaults: ImportDefaults = {},
  prefix = "csv",
): Generator<ParsedItem> {
  let names: string[] | null = null;
  for (const row of rows) {
    if (!names) {
      names = checkHeader(row);
      continue;
    }
    // CSV only: undo the quote our own CSV export adds before a formula start (server/lib/csv.ts).
    // XLSX cells are written as text, never neutralised, so their leading quotes are the author's.
    yield rowToItem({ line: row.line, fields: row.fields.map(readCsvCell) }, names, defaults, prefix);
  }
  if (!names) throw new FileRefusal("文件为空");
}

/** Parses a roadcert CSV file into items (see the column list above). */
export function parseCsv(text: string, defaults: ImportDefaults = {}): ParsedFile {
  const empty: ParsedFile = { format: "csv", items: [], blueprints: [], fileErrors: [] };
  try {
    return { ...empty, items: [...readQuestionRows(readCsvRows(text), defaults)] };
  } catch (err) {
    if (err instanceof FileRefusal) return { ...empty, fileErrors: [err.message] };
    throw err;
  }
}

/**
 * The header's column names. A blank name is a column left over from a spreadsheet (a trailing
 * comma on every line); it is allowed, and `rowToItem` refuses any row with something under it.
 */
export function checkHeader(header: { line: number; fields: string[] }): string[] {
  const names = header.fields.map((f) => f.trim());
  const missing = ["type", "stem", "answer"].filter((c) => !names.includes(c));
  const unknown = names.filter((n) => n !== "" && !(CSV_COLUMNS as readonly string[]).includes(n));
  const repeated = names.filter((n, i) => n !== "" && names.indexOf(n) !== i);
  if (missing.length || unknown.length || repeated.length) {
    const problems = [
      ...(missing.length ? [`缺少列：${missing.join("、")}`] : []),
      ...(unknown.length ? [`未知列：${unknown.join("、")}`] : []),
      ...(repeated.length ? [`重复列：${repeated.join("、")}`] : []),
    ];
    throw new FileRefusal(`第 ${header.line} 行（表头）：${problems.join("；")}`);
  }
  return names;
}

export function rowToItem(
  row: { line: number; fields: string[] },
  names: string[],
  defaults: ImportDefaults,
  prefix: string,
): ParsedItem {
  const location = `第 ${row.line} 行`;
  if (row.fields.length !== names.length) {
    return {
      location,
      outcome: "invalid",
      code: "malformed_item",
      notes: [`应有 ${names.length} 列，实有 ${row.fields.length} 列`],
    };
  }
  const unlabelled = names.flatMap((n, i) =>
    n === "" && row.fields[i]?.trim() ? [columnLetters(i + 1)] : [],
  );
  if (unlabelled.length)
    return {
      location,
      outcome: "invalid",
      code: "malformed_item",
      notes: [`${unlabelled.join("、")} 列有内容，但该列没有表头：请填写列名或删除该列`],
    };
  const get = (col: string) => cellValue(row.fields[names.indexOf(col)] ?? "");
  const has = (col: string) => names.includes(col) && get(col) !== "";
  const type = ownEntry(TYPE_ALIASES, get("type")) ?? get("type");
  const options =
    type === "true_false"
      ? []
      : (["A", "B", "C", "D"] as const).filter(has).map((key) => ({ key, text: get(key) }));
  const rawAnswer = get("answer").toUpperCase();
  const answer =
    type === "true_false"
      ? [ownEntry(TF_ALIASES, get("answer")) ?? ownEntry(TF_ALIASES, rawAnswer) ?? rawAnswer]
      : [...rawAnswer.replace(/[\s,，、]/g, "")];
  const list = (col: string) =>
    has(col)
      ? get(col)
          .split(LIST_SEPARATOR)
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  const raw: Record<string, unknown> = {
    // Without a ref the row's content names it (contentRef), never its position in the file.
    ref: has("ref") ? get("ref") : `${prefix}-${row.line}`,
    type,
    stem: get("stem"),
    options,
    answer,
    chapter: has("chapter") ? get("chapter") : defaults.chapter,
    categories: list("categories") ?? defaults.categories,
    ...(has("explanation") ? { explanation: get("explanation") } : {}),
    ...(has("difficulty")
      ? { difficulty: Number(get("difficulty")) }
      : defaults.difficulty
        ? { difficulty: defaults.difficulty }
        : {}),
    ...(list("tags") ? { tags: list("tags") } : {}),
    ...(has("source") ? { source: get("source") } : {}),
  };
  return toItem(location, raw, [], has("ref") ? undefined : prefix);
}

/** A cell as read (CSV rows arrive with the export's neutralising quote already removed). */
function cellValue(raw: string): string {
  return raw.trim();
}

/** What the CSV and spreadsheet writers need of a question. */
export interface ExportableQuestion {
  ref: string;
  type: string;
  stem: string;
  options: { key: string; text: string }[];
  answer: string[];
  explanation: string;
  chapter: string;
  categories: string[];
  difficulty: number;
  tags: string[];
  source: string;
}

/** A question's cells in `CSV_COLUMNS` order: one mapping for every writer, so CSV and XLSX cannot drift. */
export function questionCells(q: ExportableQuestion): string[] {
  // The importer splits a list cell on | ; and ； (files written by hand use all three), so a tag
  // holding one would come back as two tags; there is no escape that old files would read the same.
  for (const tag of q.tags)
    if (LIST_SEPARATOR.test(tag))
      throw errors.unprocessable(
        "export_tag_separator",
        `题目「${q.ref}」的标签「${tag}」含分隔符（| ; ；），导出的 CSV/XLSX 再导入时会拆成几个标签：请先修改该标签再导出`,
      );
  const opt = (k: string) => q.options.find((o) => o.key === k)?.text ?? "";
  return [
    q.ref,
    q.type,
    q.stem,
    opt("A"),
    opt("B"),
    opt("C"),
    opt("D"),
    q.answer.join(""),
    q.explanation,
    q.chapter,
    q.categories.join("|"),
    String(q.difficulty),
    q.tags.join("|"),
    q.source,
  ];
}

/** Writes questions as roadcert CSV (the same columns `parseCsv` reads), formula cells neutralised. */
export function toCsv(questions: ExportableQuestion[]): string {
  const rows: string[][] = [[...CSV_COLUMNS], ...questions.map(questionCells)];
  return toCsvText(rows);
}
