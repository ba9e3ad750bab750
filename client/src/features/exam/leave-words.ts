import type { AttemptStatus } from "@contracts/exams.js";

/**
 * What the exam page says when the candidate would leave it (退出, or a page another one took
 * over) while some answers are only on this page: how many, and which questions. Signing out
 * closes the socket, and a taken-over page sends nothing more, so an answer not yet acknowledged
 * by the server is lost unless the candidate or the proctor acts on it.
 */

/** "还有 n 条作答未保存到服务器（第 1、3 题）": entries, and the questions whose answer is among them. */
export function unsentWords(pendingCount: number, unacknowledged: readonly number[]): string {
  const questions = unacknowledged.length ? `（第 ${unacknowledged.map((i) => i + 1).join("、")} 题）` : "";
  return `还有 ${pendingCount} 条作答未保存到服务器${questions}`;
}

/** The page's save state as 退出 reads it (from the exam store). */
export interface LeaveState {
  status: AttemptStatus | null;
  pendingCount: number;
  /** Questions whose newest answer the server has not acknowledged (0-based). */
  unacknowledged: readonly number[];
}

export type LogoutCheck =
  { kind: "free"; message: "" } | { kind: "confirm"; message: string } | { kind: "refused"; message: string };

/**
 * Whether 退出 may sign out now: at once outside a running exam; refused while answers wait for
 * the server (the sign-out closes the socket that would send them); confirmed first otherwise,
 * since a click meant for the sheet would end the candidate's login mid-exam.
 */
export function logoutCheck(state: LeaveState): LogoutCheck {
  if (state.status !== "in_progress" && state.status !== "submitting") return { kind: "free", message: "" };
  if (state.pendingCount > 0)
    return {
      kind: "refused",
      message: `${unsentWords(state.pendingCount, state.unacknowledged)}，现在退出将丢失这些作答。请等待页面显示“全部作答已保存到服务器”后再退出；网络无法恢复时请举手联系监考员。`,
    };
  return {
    kind: "confirm",
    message: "考试正在进行，退出后须重新登录才能继续作答，考试时间不会因此暂停。确定退出吗？",
  };
}

/** The taken-over page's explanation: what it still holds, and what the candidate should do. */
export function takenOverWords(state: {
  pendingCount: number;
  unacknowledged: readonly number[];
  durable: boolean;
}): string {
  const onePage = "同一考生只能在一个页面作答，本页已停止作答。";
  if (state.pendingCount === 0)
    return `${onePage}已保存的答案不受影响。如需在本页继续，请刷新本页（另一页面随即停止）。`;
  const unsent = `本页${unsentWords(state.pendingCount, state.unacknowledged)}。`;
  // Held in memory only: the reload that takes the attempt back would lose them.
  if (!state.durable)
    return `${onePage}${unsent}本机未能暂存这些作答，请勿刷新或关闭本页，立即举手告知监考员。`;
  return `${onePage}${unsent}请点击“在本页继续作答”，本页将补存这些作答（另一页面随即停止）；或立即举手告知监考员。`;
}
