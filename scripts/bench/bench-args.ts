/**
 * What every benchmark's command line shares: its options checked before anything starts (a count
 * that was not a number became NaN and a run that measured nothing sensible, and a line file that
 * could not be written failed only once the run was over), and where its JSON line goes.
 */
import { closeSync, openSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import { wholeNumber } from "../../server/contracts/validation.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where a benchmark's line goes unless `--line-file` says otherwise: the record of the project's figures. */
export const BENCHMARKS_FILE = path.join(root, "BENCHMARKS.md");

/**
 * `--line-file FILE`: the JSON line goes there instead of BENCHMARKS.md, for a trial or a held-rate
 * run that is not a figure of record (such runs used to be appended and then taken out of
 * BENCHMARKS.md by hand, and once the taking out discarded a line of record).
 */
const LINE_FILE_OPTION = { "line-file": { type: "string" } } as const;

/**
 * A whole number from `min` to `max`, from its command-line text in decimal digits (`Number()` read
 * `--candidates 0x10` as 16 and an empty `--room=` as 0).
 */
export const count = (min: number, max?: number) =>
  wholeNumber(min, max, "must be a whole number in decimal digits");

/** A path, resolved against the working directory; absent stays absent, empty is refused. */
export const filePath = z
  .string()
  .min(1)
  .transform((f) => path.resolve(f))
  .optional();

/**
 * The options in `args` by `options` (unknown ones refused, as parseArgs does), checked by `schema`;
 * or an Error naming the benchmark and each bad option.
 */
export function readBenchOptions<T>(
  name: string,
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  schema: z.ZodType<T>,
): T {
  let values: unknown;
  try {
    ({ values } = parseArgs({ args, options }));
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const bad = parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`);
  throw new Error(`${name}: ${bad.join("; ")}`);
}

/**
 * The file a benchmark's line goes to (`lineFile`, else BENCHMARKS.md), checked now that it can be
 * appended to: opening it to append creates it when missing, as the append at the end would, and
 * fails here, before minutes of measuring, on a missing folder or a file that may not be written.
 */
export function lineFileOf(name: string, lineFile: string | undefined): string {
  const file = lineFile ?? BENCHMARKS_FILE;
  try {
    closeSync(openSync(file, "a"));
  } catch (err) {
    const option = lineFile === undefined ? "" : "--line-file: ";
    throw new Error(`${name}: ${option}cannot append to ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return file;
}

/** Appends one JSON line (an object, or its text) to `file`. */
export async function appendLine(file: string, line: object | string): Promise<void> {
  await appendFile(file, `${typeof line === "string" ? line : JSON.stringify(line)}\n`);
}

/**
 * The options of benchmark `name` on its command line (`options` and --line-file; `schema` checks
 * the first, the line file is checked to be appendable) and the file its line goes to; or, when
 * any is bad, one line saying which and exit code 2, before the benchmark starts anything.
 */
export function benchCommandLine<T extends object>(
  name: string,
  options: NonNullable<ParseArgsConfig["options"]>,
  schema: z.ZodType<T>,
  args = process.argv.slice(2),
): { values: T; lineFile: string } {
  return orExitWithUsage(() => {
    const withLineFile = schema.and(z.object({ "line-file": filePath }));
    const values = readBenchOptions(name, args, { ...options, ...LINE_FILE_OPTION }, withLineFile);
    return { values, lineFile: lineFileOf(name, values["line-file"]) };
  });
}

/** `read()`, or, when it throws, its message in one line and exit code 2 (usage) before anything starts. */
function orExitWithUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
