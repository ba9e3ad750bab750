import { pino, type Logger } from "pino";

export type { Logger };

/** Creates the process logger; tests pass `level: "silent"` unless LOG_LEVEL says otherwise. */
export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({ level: options.level, name: options.name, base: undefined });
}
