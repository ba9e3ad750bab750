import { FileRefusal } from "./file-refusal.js";

/**
 * How the XLSX scan (xlsx-scan.ts) and the row reader (xlsx-rows.ts) name a cell and word the
 * refusal of a value that cannot be read: one wording, whichever of them finds it first.
 */

/** "B7" → { row: 7, col: "B" }. */
export function splitRef(ref: string): { row: number; col: string } {
  const m = /^([A-Z]+)(\d+)$/.exec(ref) ?? [];
  return { col: m[1] ?? ref, row: Number(m[2] ?? 0) };
}

/** "第 7 行 B 列" for "B7", as the refusals name a cell. */
export function cellAt(ref: string): string {
  const { row, col } = splitRef(ref);
  return `第 ${row} 行 ${col} 列`;
}

/** The refusal of a cell holding an Excel error (#N/A…), as both the scan and the readers word it. */
export function excelErrorRefusal(at: string, text: string): FileRefusal {
  return new FileRefusal(`${at}是 Excel 错误值 ${text}，请改正后重新上传`);
}

/** The refusal of a number cell whose <v> is empty or not a number. */
export function noNumberRefusal(at: string): FileRefusal {
  return new FileRefusal(
    `${at}是数值单元格，但其中没有可读的数字（文件中保存的值为空或不是数字，多见于由程序生成的文件）：` +
      "请在 Excel 中重新输入该单元格（或清空它）并保存后重新上传",
  );
}

/** The refusal of a logical (TRUE/FALSE) cell whose <v> is empty or not 0 or 1. */
export function noLogicalRefusal(at: string, text: string): FileRefusal {
  const what =
    text === "" ? "其中没有值（文件中保存的值为空" : `其中保存的值「${text}」不是逻辑值（只能是 0 或 1`;
  return new FileRefusal(
    `${at}是逻辑值单元格，但${what}，多见于由程序生成的文件）：` +
      "请在 Excel 中重新输入该单元格（TRUE 或 FALSE，或清空它）并保存后重新上传",
  );
}

/**
 * The refusal of a shared-string cell whose index is not one of the file's shared strings (past
 * their end, empty, not a whole number): the stream reads it as blank, the whole-file read crashes.
 */
export function missingSharedStringRefusal(at: string): FileRefusal {
  return new FileRefusal(
    `${at}引用的共享文本不存在（文件可能已损坏，多见于由程序生成的文件）：` +
      "请在 Excel 中打开并重新输入该单元格（或清空它），保存后重新上传",
  );
}
