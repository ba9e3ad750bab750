import { ElMessage } from "element-plus";
import { prompted } from "@/shared/confirm.js";
import type { QuestionDto } from "@contracts/question-bank.js";
import { bankApi } from "./question-bank.api.js";
import { STATUS_LABEL } from "./question-bank.labels.js";

/** The workflow steps the question page offers, each one REST call. */
export type QuestionAction = "submit" | "approve" | "return" | "retire" | "quarantine" | "release";

/** What the author or reviewer is told after a step, from the question as the server returned it. */
const DONE: Record<QuestionAction, (q: QuestionDto) => string> = {
  submit: (q) => `第 ${q.version} 版已提交审核（${STATUS_LABEL[q.status]}），等待另一名审题员审核`,
  approve: (q) => `已审核通过：第 ${q.version} 版${STATUS_LABEL[q.status]}`,
  return: () => "已退回编写人修改，退回意见已记入版本历史",
  retire: () => "已停用：新试卷不再抽取本题，已组试卷不受影响",
  quarantine: () => "已暂停组卷：新试卷不再抽取本题",
  release: () => "已恢复组卷",
};

/**
 * Runs one workflow step on `q`, asking first for the comment a step needs, then says what
 * happened; null when the prompt was cancelled (nothing was sent).
 */
export async function runQuestionAction(q: QuestionDto, kind: QuestionAction): Promise<QuestionDto | null> {
  let after: QuestionDto;
  switch (kind) {
    case "submit":
      after = await bankApi.submit(q.id);
      break;
    case "approve":
      after = await bankApi.approve(q.id);
      break;
    case "return": {
      const comment = await prompted("请填写退回意见（编写人将看到）", "退回修改", {
        inputValidator: (v) => !!v?.trim() || "请填写审核意见",
      });
      if (comment === null) return null;
      after = await bankApi.returnForChanges(q.id, comment);
      break;
    }
    case "retire": {
      const reason = await prompted("停用后新试卷不再抽取本题（已组试卷不受影响）。停用原因：", "停用试题", {
        inputValue: "",
      });
      if (reason === null) return null;
      after = await bankApi.retire(q.id, reason || undefined);
      break;
    }
    case "quarantine":
    case "release":
      after = await bankApi.quarantine(
        q.id,
        kind === "quarantine",
        kind === "quarantine" ? "人工暂停组卷" : "复核后恢复",
      );
      break;
  }
  ElMessage.success(DONE[kind](after));
  return after;
}

/** Uploads the question's image as base64 (the route takes JSON). */
export async function uploadQuestionImage(questionId: string, file: File): Promise<void> {
  const data = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (const byte of data) binary += String.fromCharCode(byte);
  await bankApi.uploadImage(questionId, file.name, btoa(binary));
  ElMessage.success("图片已上传");
}
