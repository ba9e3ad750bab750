/**
 * How long the server asked a refused client to wait (`details.retryAfterSeconds` of a 429, the
 * same number its `Retry-After` header carries), in whole seconds rounded up; null when the
 * details carry no usable number (the page then shows the server's own message).
 */
export function retryAfterSeconds(details: unknown): number | null {
  if (!details || typeof details !== "object" || Array.isArray(details)) return null;
  const value = (details as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return null;
  // Rounded up: a person told to wait a moment less than asked is refused again.
  const seconds = Math.ceil(value);
  return Number.isSafeInteger(seconds) ? seconds : null;
}

/** From two minutes on, the wait is said in minutes (rounded up): "请 118 秒后再试" reads as a puzzle. */
const MINUTES_FROM_SECONDS = 120;

/** The wait as a person reads it: "30 秒" below two minutes, "3 分钟" from two minutes on (rounded up). */
export function waitText(seconds: number): string {
  return seconds < MINUTES_FROM_SECONDS ? `${seconds} 秒` : `${Math.ceil(seconds / 60)} 分钟`;
}

/** The login card's wait, `seconds` still to go: "登录尝试过于频繁，请 30 秒后再试". */
export function loginWaitText(seconds: number): string {
  return `登录尝试过于频繁，请 ${waitText(seconds)}后再试`;
}

/**
 * What a login page says when the login was refused for too many attempts: how long to wait, from
 * the refusal's details, or the server's own message when they do not say.
 */
export function loginRefusalText(refusal: { message: string; details: unknown }): string {
  const seconds = retryAfterSeconds(refusal.details);
  return seconds === null ? refusal.message : loginWaitText(seconds);
}
