import { IMPORT_STOP_CODES, type ImportReport } from "./question-import.js";

/*
 * How a question import that stopped partway is told, in one wording for every reader: the command
 * line (scripts/bank-import.ts) and the import page say the same words. Each batch commits on its
 * own, so a stopped import has written the batches before it (question-bank/import-stop.ts): it says
 * how many and where it stopped, never "nothing imported" while they are in the bank.
 */

/** Where an import stopped, for the report's readers (the CLI, the page): null when it did not. */
export interface ImportStop {
  /** The first item not written for the stop, its place in the report and in the file. */
  index: number;
  location: string;
  /** Questions written before it (created or updated). */
  written: number;
  reason: string;
}

export function importStop(report: ImportReport): ImportStop | null {
  const index = report.items.findIndex((r) => r.code !== undefined && IMPORT_STOP_CODES.has(r.code));
  const item = report.items[index];
  if (!item) return null;
  const written = report.items.filter((r) => r.outcome === "created" || r.outcome === "updated").length;
  return { index, location: item.location, written, reason: item.notes.at(-1) ?? "" };
}

/** The report's one line for a stopped import (the CLI prints it; the page shows it). */
export function stopSummary(report: ImportReport, stop: ImportStop): string {
  if (report.dryRun) return `试运行：导入会在 ${stop.location} 处停止：${stop.reason}`;
  return stop.written
    ? `已写入 ${stop.written} 题，自 ${stop.location} 起未导入：${stop.reason}`
    : `导入中断，未写入任何题目：${stop.reason}`;
}

/** The head of a file's report on the import page: its tag and, for an import that stopped, `stopSummary`. */
export function importHeadline(r: ImportReport): {
  tag: "danger" | "warning" | "success";
  label: string;
  stop?: string;
} {
  const at = importStop(r);
  const stop = at ? { stop: stopSummary(r, at) } : {};
  if (r.dryRun) {
    if (at) return { tag: "warning", label: "试运行：尚未写入", ...stop };
    // A dry run of a file with an invalid item says so first, as the import itself would.
    if (r.rejected) return { tag: "danger", label: "文件有错误，未导入任何内容" };
    return { tag: "warning", label: "试运行：尚未写入" };
  }
  if (at?.written) return { tag: "warning", label: `部分导入：已写入 ${at.written} 题`, ...stop };
  if (at) return { tag: "danger", label: "导入中断，未写入任何题目", ...stop };
  if (r.rejected) return { tag: "danger", label: "文件有错误，未导入任何内容" };
  return { tag: "success", label: "已导入" };
}
