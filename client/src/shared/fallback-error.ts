import type { ErrorBody } from "@contracts/errors.js";

/** Whose refusal it is: a request to the API (`api.ts`) or a file's download (`download-answer.ts`). */
export type FallbackWording = "request" | "download";

/** The words that differ by what was asked; the codes and the rest are one table. */
const WORDING: Record<FallbackWording, { forbidden: string; notFound: string; failed: string }> = {
  request: { forbidden: "无权执行此操作", notFound: "请求的资源不存在", failed: "" },
  download: { forbidden: "无权下载此文件", notFound: "要下载的文件不存在", failed: "下载失败：" },
};

/**
 * What a refusal without the server's `{ error: { code, message } }` (a proxy's page, an empty 503,
 * no answer at all: status 0) says. One table for requests and downloads: two copies had drifted,
 * and a request's 429 or 503 read as 服务器错误.
 */
export function fallbackError(status: number, wording: FallbackWording = "request"): ErrorBody {
  const w = WORDING[wording];
  if (status === 0) return { code: "network_error", message: "无法连接服务器，请检查网络后重试" };
  if (status === 401) return { code: "unauthorized", message: "请先登录" };
  if (status === 403) return { code: "forbidden", message: w.forbidden };
  if (status === 404) return { code: "not_found", message: w.notFound };
  if (status === 413) return { code: "payload_too_large", message: "提交的内容过大" };
  if (status === 429) return { code: "rate_limited", message: "请求过于频繁，请稍后再试" };
  if (status === 503) return { code: "unavailable", message: "服务暂时不可用，请稍后重试" };
  return { code: "internal_error", message: `${w.failed}服务器错误（${status}），请稍后重试` };
}
