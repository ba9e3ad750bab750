import type { Logger } from "../../server/lib/logger.js";

/**
 * A logger that keeps what was logged at info and at warn or above (`warn` for both: what a
 * terminal shows as 警告/错误), with each entry's details, for tests that assert how loud a
 * situation is logged.
 */
export function recordingLogger() {
  const lines: { level: "info" | "warn"; msg: string; detail: Record<string, unknown> }[] = [];
  const at = (level: "info" | "warn") => (detail: Record<string, unknown>, msg: string) => lines.push({ level, msg, detail });
  const logger = { info: at("info"), warn: at("warn"), error: at("warn"), debug: () => undefined } as unknown as Logger;
  return { logger, lines, warnings: () => lines.filter((l) => l.level === "warn") };
}
