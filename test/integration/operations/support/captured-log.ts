import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../../../server/lib/logger.js";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * A real pino logger (children, every level, as a node uses it) whose lines are kept, parsed, for
 * tests that assert what an operator would read.
 */
export function capturedLogger(level = "info"): { logger: Logger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level, base: undefined }, sink);
  return { logger, lines, text: () => lines.map((l) => JSON.stringify(l)).join("\n") };
}
