import { TransportError } from "./node-client.js";

/**
 * What a province's delivery queues show its officers when a message could not be sent to the
 * hub, in Chinese: the publisher's 上报队列 and the exchange's outgoing queue (whose reason reaches a
 * case's history when an entry gives up). Words by the transport's stable code, never the error's
 * own text: that is a system message in English, and goes to the log.
 */
export const SEND_WORDS = {
  /** `what` waits: 记录 (the publisher's), 消息 (the exchange's). */
  hubNotConfigured: (what: string) => `全国中心未配置 (HUB_URL, HUB_PUBLIC_KEY)，${what}在本地等待`,
  unreachable: "无法连接全国中心",
  unverified: "全国中心的应答签名无法验证 (response_unverified)",
  malformed: "全国中心的应答不是合法的 JSON",
  tooLarge: "全国中心的应答过大，已放弃读取 (peer_answer_too_large)",
  sendFailed: "发送到全国中心时出错",
} as const;

/** The words of a failed send (the client threw): by the transport's stable code. */
export function sendFailure(err: unknown): string {
  if (!(err instanceof TransportError)) return SEND_WORDS.sendFailed;
  if (err.code === "hub_unreachable") return SEND_WORDS.unreachable;
  if (err.code === "response_unverified") return SEND_WORDS.unverified;
  if (err.code === "response_malformed") return SEND_WORDS.malformed;
  if (err.code === "peer_answer_too_large") return SEND_WORDS.tooLarge;
  return SEND_WORDS.sendFailed;
}

/** A hub's status and code as the queues put them in parentheses: `401 signature_invalid`, `503`. */
export function hubAnswerCode(status: number, code: string | null | undefined): string {
  return code ? `${status} ${code}` : String(status);
}
