/**
 * `tsx scripts/run-steps.ts <npm script>…`: runs the named npm scripts one after another, as
 * `npm run a && npm run b` would, and ends with the first failing step's exit code.
 *
 * Why not `&&` in package.json: a signal sent to npm alone (SIGTERM from `timeout`, a process
 * manager or a cancelled CI job) is passed by npm to its `sh -c`, which dies of it and leaves the
 * step running (seen: `npm test` killed during lint left `npm run lint` and eslint behind; during
 * the integration tests it would leave mocha, its nodes and browsers), and a SIGINT to npm alone
 * did nothing. Here a signal to this runner goes to every process below it, each npm and shell
 * level included (found through /proc before any is signalled); the runner waits for all of them
 * to end, then exits 128 + the signal number. The steps stay in the caller's process group, so
 * Ctrl-C and a SIGKILL to that group reach them as before.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { ChildSet, exitOnInterrupt } from "./child-set.js";

/** How long a step's processes have to stop after a signal before they are killed. */
const STOP_GRACE_MS = 30_000;

const steps = process.argv.slice(2);
if (steps.length === 0) {
  process.stderr.write("usage: tsx scripts/run-steps.ts <npm script>…\n");
  process.exit(2);
}

/**
 * `.ci/run`'s earlier phases and their times, repeated in the interrupt line. Taken out of the
 * environment the steps inherit: a runner started by a step (a test of this runner) would report
 * them as its own.
 */
const ciPhases = process.env.ROADCERT_CI_PHASES;
delete process.env.ROADCERT_CI_PHASES;

const children = new ChildSet();
let interrupted = false;
let running = "";
let runningSince = performance.now();
/** Each finished step's wall time: printed as the run goes and again when it is interrupted, so a
 * run cut off by a time limit (a CI job's) says where its time went. */
const finished: string[] = [];
const seconds = (sinceMs: number) => `${Math.round((performance.now() - sinceMs) / 1000)} s`;
exitOnInterrupt(
  (sig) => {
    interrupted = true;
    return children.stopAll(STOP_GRACE_MS, sig);
  },
  (sig, code) =>
    `${sig}: stopping the running step (${running}, running for ${seconds(runningSince)}; ` +
    `finished before it: ${[ciPhases, ...finished].filter(Boolean).join(", ") || "none"}) ` +
    `and all it started, then exiting ${code}`,
  STOP_GRACE_MS + 5_000,
);

/** Runs `npm run <step>`; resolves with its exit code. */
function runStep(step: string): Promise<number> {
  running = step;
  // The npm that runs this script, when there is one (npm sets npm_execpath), else npm on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli ? [process.execPath, [npmCli, "run", step]] : ["npm", ["run", step]];
  const child = children.track(spawn(command, args, { stdio: "inherit" }), { scope: "tree" });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

for (const step of steps) {
  runningSince = performance.now();
  const code = await runStep(step);
  finished.push(`${step} ${seconds(runningSince)}`);
  if (!interrupted)
    process.stderr.write(`run-steps: ${step} ended (exit ${code}) after ${seconds(runningSince)}\n`);
  // Interrupted: the step ended because it was stopped; the interrupt's teardown waits for the
  // rest of the processes below it and then exits 128 + the signal.
  if (interrupted) await new Promise<never>(() => undefined);
  if (code !== 0) process.exit(code);
}
