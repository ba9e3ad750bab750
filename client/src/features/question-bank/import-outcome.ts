import { IMPORT_STOP_CODES, type ImportReport } from "@contracts/question-import.js";

/** The head of a file's report: its tag and, for an import that stopped, the line saying where and why. */
export function importHeadline(r: ImportReport): {
  tag: "danger" | "warning" | "success";
  label: string;
  stop?: string;
} {
  const at = r.items.find((i) => i.code !== undefined && IMPORT_STOP_CODES.has(i.code));
  const written = r.counts.created + r.counts.updated;
  const reason = at?.notes.at(-1) ?? "";
  if (r.dryRun) {
    if (at)
      return { tag: "warning", label: "试运行：尚未写入", stop: `导入会在 ${at.location} 处停止：${reason}` };
    // A dry run of a file with an invalid item says so first, as the import itself would.
    if (r.rejected) return { tag: "danger", label: "文件有错误，未导入任何内容" };
    return { tag: "warning", label: "试运行：尚未写入" };
  }
  if (at && written)
    return {
      tag: "warning",
      label: `部分导入：已写入 ${written} 题`,
      stop: `已写入 ${written} 题，自 ${at.location} 起未导入：${reason}`,
    };
  if (at) return { tag: "danger", label: "导入中断，未写入任何题目", stop: reason };
  if (r.rejected) return { tag: "danger", label: "文件有错误，未导入任何内容" };
  return { tag: "success", label: "已导入" };
}
