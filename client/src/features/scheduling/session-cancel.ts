import { ElMessageBox } from "element-plus";
import type { SeatMapDto } from "@contracts/scheduling.js";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import type { ConfirmBox } from "../../shared/confirm.js";
// eslint-disable-next-line no-restricted-imports
import { categoryName } from "../../shared/category-name.js";
// eslint-disable-next-line no-restricted-imports
import { formatDateTime } from "../../shared/time.js";

/**
 * The cancellation's confirmation: its confirm button red (it cannot be undone), and the way back
 * reads 返回, as 取消 beside 确认取消场次 could be read as the cancellation itself.
 */
export const cancelBox: ConfirmBox = (message, title, options) =>
  ElMessageBox.confirm(message, title, {
    ...options,
    cancelButtonText: "返回",
    confirmButtonType: "danger",
    customStyle: { maxWidth: "520px" },
  });

/**
 * Whether the page offers 取消场次, by the server's rule (session-updates.ts) as far as the session
 * shows it: only a scheduled session; not once its papers were released (session_released: the
 * proctor ends the sittings instead), nor once its results are published (results_published). A
 * session that could not be held is still cancelled after its start or its end, so its candidates
 * are not published as 缺考. The server also refuses one started with a candidate admitted but no
 * paper released (session_admitted), which the session does not show: it says so when asked.
 */
export function cancellable(s: SeatMapDto["session"] | undefined): boolean {
  return !!s && s.status === "scheduled" && s.lifecycle !== "published" && s.releasedAt === null;
}

/** What cancelling does, said before it is done: which session, and who is seated in it. */
export function cancellationNote(s: SeatMapDto["session"] | undefined): string {
  if (!s) return "";
  const which = `${categoryName(s.categoryCode)} · ${formatDateTime(s.startsAt)} · ${s.roomName}`;
  const seated =
    s.assignedCount > 0
      ? `本场次已安排 ${s.assignedCount} 名考生，取消后他们的准考证全部作废，需另行为他们安排场次并通知考生。`
      : "本场次尚未安排考生。";
  return `确认取消场次“${which}”？${seated}取消后不能恢复。`;
}
