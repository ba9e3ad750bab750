/**
 * The options of `npm run bench:exam`, checked before anything starts: a count that is not a
 * number used to become NaN and make a run that measured nothing, or nothing sensible.
 */
import { createWriteStream } from "node:fs";
import { z } from "zod";
import { benchCommandLine, count, filePath, readBenchOptions } from "./bench-args.js";
import { decimalNumber } from "../../server/contracts/validation.js";
import type { SendSave } from "./exam-capacity.js";

const OPTIONS = {
  candidates: { type: "string", default: "200" },
  answers: { type: "string", default: "6" },
  room: { type: "string", default: "100" },
  "interval-ms": { type: "string", default: "10000" },
  capacity: { type: "boolean", default: false },
  "capacity-start": { type: "string", default: "50" },
  "capacity-step-ms": { type: "string", default: "10000" },
  /** The highest offered rate tried: `--capacity-start R --capacity-max R` holds one fixed rate (for profiling a step). */
  "capacity-max": { type: "string", default: "50000" },
  /** After the first failing step, bisect until last pass and first fail are within this fraction (0: the bare ×1.5 ladder). */
  "capacity-refine": { type: "string", default: "0.1" },
  /** A step failing on latency alone is run this many times more before its rate counts as failed (0: once). */
  "capacity-confirm": { type: "string", default: "1" },
  /**
   * The node's and the baseline's searches take turns, a step of each with a quiet second and a
   * 3-s unmeasured warm-up at its rate before it (see `alternateSearches`). Off by default: in the
   * runs of 2026-12-02 afternoon (before the warm-up) it held the ratio at 0.30-0.37 while both
   * terms moved by half, but the node's capacity came out lower than with the searches one after
   * the other (2,672-5,467 against 6,014 twice), possibly because each node step started after the
   * baseline's ten seconds; with the warm-up, that evening's machine was too noisy to tell the
   * modes apart (BENCHMARKS.md, session fifteen).
   */
  "capacity-turns": { type: "boolean", default: false },
  /** The node's EXAM_SAVE_GROUP_MS (group commit window of answer saves); the node's default when absent. */
  "save-group-ms": { type: "string" },
  /** The node's EXAM_SAVE_GROUPS_IN_FLIGHT (groups of saves written at once); the node's default when absent. */
  "save-groups-in-flight": { type: "string" },
  /** Writes V8 CPU profiles of the database, the exam node and this load generator into this folder. */
  profile: { type: "string" },
  /** Appends the stand-in's garbage collections (one JSON line each) to this file. */
  "gc-log": { type: "string" },
  /** The same for the exam node: its collections and stalled seconds, appended to this file. */
  "node-gc-log": { type: "string" },
  /** Extra V8/Node flags for the exam node only, space-separated (e.g. "--max-semi-space-size=16" to compare with the product's default). */
  "node-flags": { type: "string" },
  /** The same for the database stand-in's process (e.g. "--single-threaded-gc"). */
  "db-flags": { type: "string" },
  /**
   * Appends every capacity-step ack slower than `--ack-log-ms` (50) to this file, one JSON line
   * each with the wall time the save was sent: a step's tail can then be laid beside each
   * process's collections and stalls (`--gc-log`, `--node-gc-log`, `--load-gc-log`) of that moment.
   */
  "ack-log": { type: "string" },
  "ack-log-ms": { type: "string", default: "50" },
  /** The same as `--node-gc-log` for this load generator: its own pauses are in every latency it measures. */
  "load-gc-log": { type: "string" },
  /** Appends the exam node's own stdout (e.g. `--node-flags=--trace-gc-nvp` output: bytes allocated per save) to this file. */
  "node-stdout": { type: "string" },
} as const;

const flags = z
  .string()
  .optional()
  .transform((f) => f?.split(" ").filter(Boolean) ?? []);
// The node checks these itself (config.ts); here only that they are whole numbers.
const nodeSetting = z.string().regex(/^\d+$/, "expected a whole number").optional();

const Schema = z
  .object({
    candidates: count(1),
    answers: count(1),
    room: count(1),
    "interval-ms": count(1),
    capacity: z.boolean(),
    "capacity-start": count(1),
    "capacity-step-ms": count(100),
    "capacity-max": count(1),
    "capacity-refine": decimalNumber(0, 1, "must be a fraction from 0 to 1 such as 0.1"),
    "capacity-confirm": count(0),
    "capacity-turns": z.boolean(),
    "save-group-ms": nodeSetting,
    "save-groups-in-flight": nodeSetting,
    profile: filePath,
    "gc-log": filePath,
    "node-gc-log": filePath,
    "node-flags": flags,
    "db-flags": flags,
    "ack-log": filePath,
    "ack-log-ms": count(0),
    "load-gc-log": filePath,
    "node-stdout": filePath,
  })
  .refine((o) => o.capacity || !o["capacity-turns"], {
    // Without --capacity there is no search to take turns: the run would quietly measure without it.
    path: ["capacity-turns"],
    message: "only with --capacity",
  });
export type ExamBenchOptions = z.infer<typeof Schema>;

/**
 * Options that only record what happened (logs, the line file) or choose the run's size and kind;
 * every other option changes what is measured: the processes' flags and settings, the load, or
 * the capacity search's rule (`--profile` too: profiling slows every process).
 */
const RECORDING_ONLY = new Set<string>([
  "candidates",
  "capacity",
  "gc-log",
  "node-gc-log",
  "load-gc-log",
  "ack-log",
  "ack-log-ms",
  "node-stdout",
]);

/**
 * The options of this run that change what is measured and differ from their defaults, as given
 * (flags as the list passed on). The line names them (`changedSettings`), and issue 17's targets
 * count as met (`targets5000.all`) only without any: those are for the command a new user runs. A
 * run with `--node-flags=--max-semi-space-size=64` used to write a line that could not be told
 * from a run of the product as it ships.
 */
export function changedSettings(values: ExamBenchOptions): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [string, { default?: string | boolean }][]) {
    if (RECORDING_ONLY.has(name)) continue;
    const value: unknown = values[name as keyof ExamBenchOptions];
    const unset = value === undefined || (Array.isArray(value) && value.length === 0);
    const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    if (unset || (scalar && spec.default !== undefined && String(value) === String(spec.default))) continue;
    changed[name] = value;
  }
  return changed;
}

/** The options in `args`, or an error naming each bad one (unknown options included). */
export function readExamBenchOptions(args: string[]): ExamBenchOptions {
  return readBenchOptions("bench:exam", args, OPTIONS, Schema);
}

/**
 * bench:exam's command line as it runs: these options plus `--line-file`, or one line of usage and
 * exit 2 before anything starts (`benchCommandLine`).
 */
export function examBenchCommandLine(args = process.argv.slice(2)) {
  return benchCommandLine("bench:exam", OPTIONS, Schema, args);
}

/**
 * `send`, recording each ack slower than `--ack-log-ms` with the wall time its save was sent to
 * `--ack-log` (as it is when that option is absent).
 */
export function logSlowAcks(send: SendSave, opts: ExamBenchOptions): SendSave {
  const logFile = opts["ack-log"];
  if (!logFile) return send;
  const log = createWriteStream(logFile, { flags: "a" });
  return async (i) => {
    const sent = performance.now();
    try {
      return await send(i);
    } finally {
      const ms = performance.now() - sent;
      if (ms >= opts["ack-log-ms"]) {
        const at = new Date(performance.timeOrigin + sent).toISOString();
        log.write(`${JSON.stringify({ at, ms: Math.round(ms * 10) / 10, i })}\n`);
      }
    }
  };
}
