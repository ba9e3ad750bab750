import { createHash } from "node:crypto";
import { loadavg } from "node:os";
import fc from "fast-check";

/**
 * The fuzz sweep's parameters and verdicts: how many inputs and which seed, the bound after which an
 * unanswered input is a hang, and what a clean refusal looks like. The malformed values are in
 * fuzz-values.ts, the mutations of a valid input in fuzz-mutations.ts, the HTTP sending in
 * fuzz-http.ts, the store checks in fuzz-batches.ts; the sweeps live in test/integration/fuzz/.
 */

/**
 * Inputs per endpoint (spread over the roles): `FUZZ_RUNS`, else a count that keeps `npm test`
 * within its budget on two cores. `npm run fuzz` sets the 1,000.
 */
export const FUZZ_RUNS = positiveInt(process.env.FUZZ_RUNS, 25);
/** The seed every endpoint's seed is derived from; printed with every failure. */
export const FUZZ_SEED = positiveInt(process.env.FUZZ_SEED, 20261201);
/**
 * How much CPU time (ms) this process may spend while one request or ack stays unanswered before it
 * counts as a hang. The nodes, the database stand-in and the client all run in this process, so its
 * CPU time is the work done meanwhile: on a loaded machine wall time stretches (a password change,
 * two scrypt hashes of ~130 ms CPU each, took over 10 s at load 13-18 with four in flight) but the
 * work does not, so this bound does not flake under load and still catches a request the server
 * keeps busy without answering.
 */
export const FUZZ_TIMEOUT_MS = positiveInt(process.env.FUZZ_TIMEOUT_MS, 10_000);
/**
 * Wall time (ms) after which an unanswered request or ack is a hang even when the process did little
 * meanwhile: a handler waiting on a promise nobody settles spends no CPU at all.
 */
export const FUZZ_HANG_MS = positiveInt(process.env.FUZZ_HANG_MS, 120_000);

/**
 * A bound on one request or ack: `signal` aborts, with a HangError naming what was spent, once the
 * process has spent `cpuMs` of CPU (FUZZ_TIMEOUT_MS) or `wallMs` of wall time (FUZZ_HANG_MS) since
 * the bound began; `end()` when the answer came.
 */
export function hangBound(
  limits: { cpuMs: number; wallMs: number } = { cpuMs: FUZZ_TIMEOUT_MS, wallMs: FUZZ_HANG_MS },
): { signal: AbortSignal; end(): void } {
  const controller = new AbortController();
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = Date.now();
  const timer = setInterval(() => {
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
    const wallMs = Date.now() - wallAtStart;
    if (cpuMs < limits.cpuMs && wallMs < limits.wallMs) return;
    clearInterval(timer);
    const load = loadavg()[0]?.toFixed(1) ?? "?";
    controller.abort(
      new HangError(`hang (no answer after ${cpuMs} ms of CPU, ${wallMs} ms of wall time, load ${load})`),
    );
  }, 100);
  timer.unref();
  return { signal: controller.signal, end: () => clearInterval(timer) };
}

/** The reason a bound gave up. */
export class HangError extends Error {
  override name = "HangError";
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A seed of its own per endpoint, so adding an endpoint does not change another's inputs. */
export function seedFor(label: string): number {
  return createHash("sha256").update(`${FUZZ_SEED}:${label}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/** How to reproduce: printed in every failure message. */
export function reproduce(label: string): string {
  return `reproduce with FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS} (endpoint seed ${seedFor(label)}, ${label})`;
}

/** `count` inputs from `arb`, always the same for the same seed. */
export function samples<T>(arb: fc.Arbitrary<T>, label: string, count: number): T[] {
  return fc.sample(arb, { seed: seedFor(label), numRuns: count });
}

// ---------- the outcome of one input ----------

const CODE = /^[a-z][a-z0-9_]*$/;
const CHINESE = /[\u3400-\u9fff]/;

/**
 * What is wrong with a refusal's error body, or null: `{ error: { code, message } }` with a
 * snake_case code that is not the opaque internal error, and a Chinese message.
 */
export function errorShapeProblem(body: unknown): string | null {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error !== "object") return `no error body: ${preview(body)}`;
  if (typeof error.code !== "string" || !CODE.test(error.code)) return `unstable code ${preview(error.code)}`;
  if (error.code === "internal_error") return "internal_error";
  if (typeof error.message !== "string" || !CHINESE.test(error.message))
    return `message not Chinese: ${preview(error.message)}`;
  return null;
}

export function preview(v: unknown, max = 200): string {
  let s: string;
  try {
    s = typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s === undefined ? "undefined" : s.length > max ? `${s.slice(0, max)}…(${s.length})` : s;
}

/** Collects problems, then fails once with the first few and how to reproduce them. */
export class FuzzProblems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
    // A long run reports at its end; with FUZZ_VERBOSE each problem shows as soon as it is found.
    if (process.env.FUZZ_VERBOSE) console.log(`      problem: ${problem.slice(0, 2000)}`);
  }
  report(label: string): string {
    return this.list.length
      ? `${this.list.length} problem(s); ${reproduce(label)}:\n${this.list.slice(0, 8).join("\n")}`
      : "";
  }
}
