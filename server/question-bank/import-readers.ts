import path from "node:path";
import type { BlueprintInput } from "../contracts/question-bank.js";
import type { ImportFormat } from "../contracts/question-import.js";
import { readCsvRows } from "../lib/csv.js";
import { checkHeader, readQuestionRows, rowToItem } from "./csv.parser.js";
import { readGift } from "./gift.parser.js";
import {
  decodeImportBytes,
  decodeImportChunks,
  normaliseLineEndings,
  TextDecodeRefusal,
  textLines,
} from "../lib/text-decode.js";
import { readMoodleXml } from "./moodle-xml.parser.js";
import type { ImportDefaults, ParsedFile, ParsedItem } from "./parsed-item.js";
import { FileRefusal, refuseEarlierItem, refuseRepeatedRefs, type EarlierRefusal } from "./parsed-item.js";
import { openRoadcertJson } from "./roadcert.parser.js";
import { looksLikeXlsx, readXlsxRows } from "../lib/xlsx-rows.js";

/** One file handed to the importer. */
export interface ImportFile {
  name: string;
  content: string | Buffer;
  /** Detected from the extension (.json, .csv, .xml, .gift/.txt, .xlsx) or the content when absent. */
  format?: ImportFormat;
}

/** Largest file the importer reads (100,000 questions in the most verbose format fit with room to spare). */
export const IMPORT_MAX_BYTES = 128 * 1024 * 1024;

/** Picks the parser from the file name, else from the content. */
export function detectFormat(name: string, content: string | Buffer): ImportFormat {
  const ext = path.extname(name).toLowerCase();
  if (ext === ".json") return "roadcert";
  if (ext === ".csv") return "csv";
  if (ext === ".xml") return "moodle_xml";
  if (ext === ".gift" || ext === ".txt") return "gift";
  if (ext === ".xlsx") return "xlsx";
  if (Buffer.isBuffer(content) && looksLikeXlsx(content)) return "xlsx";
  const head = (
    typeof content === "string" ? content.slice(0, 4096) : content.subarray(0, 4096).toString("latin1")
  )
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("{")) return "roadcert";
  if (head.startsWith("<")) return "moodle_xml";
  return /^\s*(::|\/\/|\$CATEGORY)/m.test(head) ? "gift" : "csv";
}

/**
 * A file opened for import: decoded, its format known, its items readable as often as needed (the
 * importer reads them twice: once to check the whole file, once to write it in batches). Nothing of
 * the file's items is held between passes.
 */
export interface OpenedFile {
  format: ImportFormat;
  /** Faults of the file as a whole; when present there are no items. */
  fileErrors: string[];
  /** Notes about the file as a whole (e.g. the encoding it was read in). */
  notes: string[];
  blueprints: BlueprintInput[];
  /**
   * The items with repeated refs (and repeated questions) refused; throws FileRefusal for faults
   * found while reading. An item handed on already that a later one shows wrong (the same question
   * with another answer) is refused through `refuseEarlier` (refuseRepeatedRefs).
   */
  items(refuseEarlier?: EarlierRefusal): AsyncIterable<ParsedItem>;
  /** The same, synchronously, for every format but XLSX (null there). */
  syncItems: ((refuseEarlier?: EarlierRefusal) => Iterable<ParsedItem>) | null;
}

/** How a file's bytes are read: `chunkBytes` (default 64 KB) lets tests put a piece boundary anywhere. */
export interface ReadOptions {
  chunkBytes?: number;
}

/** Opens one file (see OpenedFile). Never throws for bad input: faults become `fileErrors`. */
export function openImportFile(
  file: ImportFile,
  defaults: ImportDefaults = {},
  maxBytes = IMPORT_MAX_BYTES,
  readOptions: ReadOptions = {},
): OpenedFile {
  const format = file.format ?? detectFormat(file.name, file.content);
  const refused = (error: string): OpenedFile => ({
    format,
    fileErrors: [error],
    notes: [],
    blueprints: [],
    items: () => toAsync([]),
    syncItems: () => [],
  });
  const size = typeof file.content === "string" ? Buffer.byteLength(file.content) : file.content.length;
  if (size > maxBytes)
    return refused(
      `文件过大（${(size / 1048576).toFixed(1)} MB，上限 ${Math.floor(maxBytes / 1048576)} MB），请拆分后导入`,
    );
  if (size === 0) return refused("文件为空");
  if (format === "xlsx") {
    const bytes = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content, "latin1");
    const items = (refuseEarlier?: EarlierRefusal) => deduped(xlsxItems(bytes, defaults), refuseEarlier);
    return { format, fileErrors: [], notes: [], blueprints: [], items, syncItems: null };
  }
  if (format !== "roadcert") {
    // Decoded a piece at a time as the reader asks for it: the file's text is never held whole
    // (a 100,000-question GIFT file was 36 MB of string kept for both passes).
    let pieces: () => Iterable<string>;
    const notes: string[] = [];
    if (typeof file.content === "string") {
      const bare = file.content.replace(/^\uFEFF/, "");
      const text = format === "moodle_xml" ? normaliseLineEndings(bare) : bare;
      pieces = () => [text];
    } else {
      const decoded = decodeImportChunks(file.content, { xml: format === "moodle_xml", ...readOptions });
      if (!decoded.ok) return refused(decoded.error);
      const { chunks } = decoded;
      pieces = () => refusing(chunks);
      notes.push(...decoded.notes);
    }
    const read = (): Iterable<ParsedItem> => {
      if (format === "csv") return readQuestionRows(readCsvRows(textLines(pieces())), defaults);
      // saxes takes the pieces as they are and counts lines itself (CR and CRLF as XML says).
      if (format === "moodle_xml") return readMoodleXml(pieces(), defaults);
      return readGift(textLines(pieces()), defaults);
    };
    const syncItems = (refuseEarlier?: EarlierRefusal) => dedupedSync(read(), refuseEarlier);
    const items = (refuseEarlier?: EarlierRefusal) => deduped(syncItems(refuseEarlier));
    return { format, fileErrors: [], notes, blueprints: [], items, syncItems };
  }
  let text: string;
  const notes: string[] = [];
  if (typeof file.content === "string") text = normaliseLineEndings(file.content.replace(/^\uFEFF/, ""));
  else {
    const decoded = decodeImportBytes(file.content);
    if (!decoded.ok) return refused(decoded.error);
    text = decoded.text;
    notes.push(...decoded.notes);
  }
  const parsed = openRoadcertJson(text);
  if (parsed.fileErrors.length) return refused(parsed.fileErrors.join("；"));
  const syncItems = (refuseEarlier?: EarlierRefusal) => dedupedSync(parsed.items(), refuseEarlier);
  return {
    format,
    fileErrors: [],
    notes,
    blueprints: parsed.blueprints,
    items: () => deduped(syncItems()),
    syncItems,
  };
}

/** The decoder's late refusals (a control character, text that is not Chinese) as the file's refusal. */
function* refusing(chunks: () => Generator<string>): Generator<string> {
  try {
    yield* chunks();
  } catch (err) {
    if (err instanceof TextDecodeRefusal) throw new FileRefusal(err.message);
    throw err;
  }
}

async function* xlsxItems(bytes: Buffer, defaults: ImportDefaults): AsyncGenerator<ParsedItem> {
  let names: string[] | null = null;
  // Dates read as their day and noted: an option or stem typed 2007/3/1 is an Excel date cell,
  // which without the styles would import silently as its serial number (39142).
  // Numbers read as their format shows them: an option typed 10% is the cell 0.1 under `0%`.
  for await (const row of readXlsxRows(bytes, { dates: true, noteDates: true, numberFormats: true })) {
    if (!names) {
      names = checkHeader(row);
      continue;
    }
    // A sheet row ends at its last non-empty cell: empty trailing cells are columns left blank.
    const fields =
      row.fields.length < names.length
        ? [...row.fields, ...Array<string>(names.length - row.fields.length).fill("")]
        : row.fields;
    const item = rowToItem({ line: row.line, fields }, names, defaults, "xlsx");
    // A number whose shown text is unknown would import as another text than the author typed.
    if (row.unshown?.length)
      yield {
        location: item.location,
        ...(item.ref === undefined ? {} : { ref: item.ref }),
        outcome: "invalid",
        code: "number_format_unknown",
        notes: [...row.notes, ...item.notes],
      };
    else yield row.notes.length ? { ...item, notes: [...row.notes, ...item.notes] } : item;
  }
  if (!names) throw new FileRefusal("工作表为空");
}

async function* deduped(
  items: Iterable<ParsedItem> | AsyncIterable<ParsedItem>,
  refuseEarlier?: EarlierRefusal,
): AsyncGenerator<ParsedItem> {
  // Sync sources arrive already checked (dedupedSync); only XLSX rows are checked here.
  if (Symbol.iterator in items) {
    yield* items;
    return;
  }
  const check = refuseRepeatedRefs(refuseEarlier);
  for await (const item of items) yield check(item);
}

function* dedupedSync(items: Iterable<ParsedItem>, refuseEarlier?: EarlierRefusal): Generator<ParsedItem> {
  const check = refuseRepeatedRefs(refuseEarlier);
  for (const item of items) yield check(item);
}

async function* toAsync<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/**
 * Parses one file completely (pure; `scripts/bank-validate.ts`, bank checks and tests use it).
 * XLSX needs the asynchronous `parseImportFileAsync`.
 */
export function parseImportFile(
  file: ImportFile,
  defaults: ImportDefaults = {},
  readOptions: ReadOptions = {},
): ParsedFile {
  const opened = openImportFile(file, defaults, IMPORT_MAX_BYTES, readOptions);
  const result: ParsedFile = {
    format: opened.format,
    items: [],
    blueprints: opened.blueprints,
    fileErrors: opened.fileErrors,
  };
  if (opened.fileErrors.length) return result;
  if (!opened.syncItems) return { ...result, fileErrors: ["XLSX 文件须用 parseImportFileAsync 读取"] };
  try {
    const items: ParsedItem[] = [];
    for (const item of opened.syncItems(refuseEarlierIn(() => items))) items.push(item);
    return { ...result, items };
  } catch (err) {
    if (err instanceof FileRefusal) return { ...result, fileErrors: [err.message] };
    throw err;
  }
}

/** Parses one file completely, XLSX included. */
export async function parseImportFileAsync(
  file: ImportFile,
  defaults: ImportDefaults = {},
): Promise<ParsedFile> {
  const opened = openImportFile(file, defaults);
  const result: ParsedFile = {
    format: opened.format,
    items: [],
    blueprints: opened.blueprints,
    fileErrors: opened.fileErrors,
  };
  try {
    for await (const item of opened.items(refuseEarlierIn(() => result.items))) result.items.push(item);
  } catch (err) {
    if (err instanceof FileRefusal) return { ...result, items: [], fileErrors: [err.message] };
    throw err;
  }
  return result;
}

/** Refuses an earlier item of the list being collected (`EarlierRefusal`, applied when it arrives). */
function refuseEarlierIn(list: () => ParsedItem[]): EarlierRefusal {
  return (index, why) => {
    const items = list();
    const item = items[index];
    if (item) items[index] = refuseEarlierItem(item, why);
  };
}
