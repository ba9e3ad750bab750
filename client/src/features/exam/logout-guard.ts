import { ElMessageBox } from "element-plus";
import { confirmed } from "@/shared/confirm.js";
import { useExamStore } from "./exam.store.js";
import { logoutCheck } from "./leave-words.js";

/**
 * The candidate pages' 退出 asks this first (see `logoutCheck`): signing out closes the socket,
 * so during the exam an answer the server has not acknowledged would be dropped by one click.
 * True when the sign-out may go ahead.
 */
export async function mayLogOut(): Promise<boolean> {
  const exam = useExamStore();
  const check = logoutCheck({
    status: exam.status,
    pendingCount: exam.pendingCount,
    unacknowledged: exam.unacknowledgedAnswers,
  });
  if (check.kind === "free") return true;
  if (check.kind === "confirm") return confirmed(check.message, "退出考试", "退出");
  // A closed box is an answer too: the candidate stays on the sheet.
  await ElMessageBox.alert(check.message, "作答尚未全部保存", {
    type: "warning",
    confirmButtonText: "继续作答",
  }).catch(() => undefined);
  return false;
}
