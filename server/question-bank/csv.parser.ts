import type { ParsedFile, ParsedItem, ImportDefaults } from "./parsed-item.js";
import { toItem } from "./parsed-item.js";

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

/** Splits CSV text into rows of fields, remembering the line each row starts on. */
export function parseCsvRows(text: string): { line: number; fields: string[] }[] | { error: string } {
  const rows: { line: number; fields: string[] }[] = [];
  let field = "";
  let fields: string[] = [];
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.length) return { error: `第 ${line} 行：引号只能出现在字段开头` };
      inQuotes = true;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      fields.push(field);
      if (fields.some((f) => f.trim() !== "")) rows.push({ line: rowLine, fields });
      fields = [];
      field = "";
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (inQuotes) return { error: `第 ${rowLine} 行：引号未闭合` };
  fields.push(field);
  if (fields.some((f) => f.trim() !== "")) rows.push({ line: rowLine, fields });
  return rows;
}

/** Parses a roadcert CSV file into items (see the column list above). */
export function parseCsv(text: string, defaults: ImportDefaults = {}): ParsedFile {
  const rows = parseCsvRows(text);
  const empty: ParsedFile = { format: "csv", items: [], blueprints: [], fileErrors: [] };
  if ("error" in rows) return { ...empty, fileErrors: [rows.error] };
  const [header, ...body] = rows;
  if (!header) return { ...empty, fileErrors: ["文件为空"] };
  const names = header.fields.map((f) => f.trim());
  const missing = ["type", "stem", "answer"].filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  if (missing.length || unknown.length) {
    const problems = [
      ...(missing.length ? [`缺少列：${missing.join("、")}`] : []),
      ...(unknown.length ? [`未知列：${unknown.join("、")}`] : []),
    ];
    return { ...empty, fileErrors: [`第 ${header.line} 行（表头）：${problems.join("；")}`] };
  }
  const items: ParsedItem[] = body.map((row) => {
    const location = `第 ${row.line} 行`;
    if (row.fields.length !== names.length) {
      return {
        location,
        outcome: "invalid",
        notes: [`应有 ${names.length} 列，实有 ${row.fields.length} 列`],
      };
    }
    const get = (col: string) => (row.fields[names.indexOf(col)] ?? "").trim();
    const has = (col: string) => names.includes(col) && get(col) !== "";
    const type = TYPE_ALIASES[get("type")] ?? get("type");
    const options =
      type === "true_false"
        ? []
        : (["A", "B", "C", "D"] as const).filter(has).map((key) => ({ key, text: get(key) }));
    const rawAnswer = get("answer").toUpperCase();
    const answer =
      type === "true_false"
        ? [TF_ALIASES[get("answer")] ?? TF_ALIASES[rawAnswer] ?? rawAnswer]
        : [...rawAnswer.replace(/[\s,，、]/g, "")];
    const list = (col: string) =>
      has(col)
        ? get(col)
            .split(/[|;；]/)
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const raw: Record<string, unknown> = {
      ref: has("ref") ? get("ref") : `csv-row-${row.line}`,
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
    return toItem(location, raw, []);
  });
  return { ...empty, items };
}

/** Quotes one CSV field when needed (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes questions as roadcert CSV (the same columns `parseCsv` reads). */
export function toCsv(
  questions: {
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
  }[],
): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const q of questions) {
    const opt = (k: string) => q.options.find((o) => o.key === k)?.text ?? "";
    const cells = [
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
    lines.push(cells.map(csvField).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
