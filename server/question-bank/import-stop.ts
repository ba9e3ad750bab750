import { ImportItemCode, type ImportReport } from "../contracts/question-import.js";
import { AppError } from "../lib/errors.js";
import { FileRefusal } from "../lib/file-refusal.js";

/**
 * An import that stops partway. Each batch of questions commits on its own (one transaction per
 * batch keeps each far below MongoDB's 16 MB and 60 s transaction limits, so a 100,000-question
 * file cannot be one unit), and a later batch can still be refused (a question renamed or changed
 * meanwhile) or fail. The batches before it stay written: the report must say so, item by item,
 * and never "nothing imported" while hundreds of questions are in the bank.
 */

const FAULT =
  "导入中断（数据库或服务器错误）：已写入的批次保留；问题排除后重新导入同一文件即可补全，不会重复";

/** The reason a failed write gives the examiner: the refusal's own message, or the generic fault. */
export function stopMessage(err: unknown): { code: ImportItemCode; message: string } {
  // The file could not be read the second time (changed since the first pass, or a reader fault).
  if (err instanceof FileRefusal)
    return {
      code: "import_failed",
      message: `导入中断（读取文件出错：${err.message}）：已写入的批次保留；文件改正后重新导入即可补全，不会重复`,
    };
  const known = err instanceof AppError ? ImportItemCode.safeParse(err.code) : null;
  return {
    code: known?.success ? known.data : "import_failed",
    message: err instanceof AppError ? err.message : FAULT,
  };
}

/**
 * Marks the items a stopped import did not write. `from`..`to` (exclusive) is the refused batch;
 * every item of the file after it was not written either. Only items that were valid in the first
 * pass (`fine`) change: the writer may have marked the refused batch's items created or updated
 * before its transaction failed, and the items not reached yet still carry pass 1's placeholder.
 * Items the writer found unchanged or skipped with their own code keep it (that is what they are).
 * `rejected` then means what it says: nothing of the file was written.
 */
export function markStopped(
  report: ImportReport,
  batch: { from: number; to: number },
  fine: ReadonlySet<number>,
  err: unknown,
): void {
  const { code, message } = stopMessage(err);
  const stoppedAt = report.items[batch.from]?.location ?? "文件";
  for (let i = batch.from; i < report.items.length; i++) {
    const r = report.items[i];
    if (!r || !fine.has(i)) continue;
    const placeholder = r.outcome === "skipped" && r.code === undefined;
    if (!placeholder && r.outcome !== "created" && r.outcome !== "updated") continue;
    // invalid, as IMPORT_ITEM_CODES documents these codes: not written, for the reason in the note.
    r.outcome = "invalid";
    if (i < batch.to) {
      r.code = code;
      r.notes.push(message);
    } else {
      r.code = "import_stopped";
      r.notes.push(
        `导入在 ${stoppedAt} 处停止，本题未写入（原因见该处）；重新导入同一文件即可补全，不会重复`,
      );
    }
  }
  report.rejected = !report.items.some((r) => r.outcome === "created" || r.outcome === "updated");
}

// How a stopped import is told (the CLI, the page): one wording, shared with the client.
export { importStop, stopSummary, type ImportStop } from "../contracts/question-import-stop.js";
