/**
 * Child processes a long-running script started, and how they are stopped however the script
 * ends: a normal end, a crash, or a signal (Ctrl-C in a terminal, SIGTERM from `timeout`, a
 * process manager or a cancelled CI job). Node's default on SIGINT and SIGTERM is to die at once,
 * without `exit` listeners or `finally` blocks, which left a benchmark's database and exam node
 * running on their ports. Shared by the benchmarks and the test run's interrupt handling.
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";

interface Tracked {
  child: ChildProcess;
  /** The child leads its own process group (spawned `detached`): signal the whole group. */
  group: boolean;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

export class ChildSet {
  readonly #tracked = new Set<Tracked>();

  /** Tracks `child` until it exits; returns it. */
  track<C extends ChildProcess>(child: C, options: { group?: boolean } = {}): C {
    if (hasExited(child)) return child;
    const entry: Tracked = { child, group: options.group ?? false };
    this.#tracked.add(entry);
    child.once("exit", () => this.#tracked.delete(entry));
    return child;
  }

  /** Sends `sig` to every tracked child still running; synchronous, so it also works in an `exit` listener. */
  signalAll(sig: NodeJS.Signals): void {
    for (const entry of this.#tracked) signal(entry, sig);
  }

  /** SIGTERM to every tracked child, SIGKILL to those still there after `graceMs`; resolves when all exited. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const entries = [...this.#tracked];
    const exits = entries.map(
      (e) =>
        new Promise<void>((resolve) => {
          if (hasExited(e.child)) resolve();
          else e.child.once("exit", () => resolve());
        }),
    );
    for (const e of entries) signal(e, "SIGTERM");
    const timer = setTimeout(() => {
      for (const e of entries) signal(e, "SIGKILL");
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}

function signal(entry: Tracked, sig: NodeJS.Signals): void {
  const pid = entry.child.pid;
  if (pid === undefined || hasExited(entry.child)) return;
  try {
    if (entry.group) process.kill(-pid, sig);
    else entry.child.kill(sig);
  } catch {
    // Already gone (ESRCH): nothing left to stop.
  }
}

/**
 * On the first SIGINT, SIGTERM or SIGHUP: says so on stderr (`announce`), runs `teardown` (bounded
 * by `boundMs`: a hung teardown must not keep a cancelled run alive) and exits with 128 + the
 * signal number, as a shell reports a process killed by that signal, so `a && b` stops at `a`.
 * Errors thrown meanwhile are ignored. A second signal exits at once.
 */
export function exitOnInterrupt(
  teardown: () => Promise<void>,
  announce: (sig: NodeJS.Signals, code: number) => string,
  boundMs = 20_000,
): void {
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    const code = 128 + constants.signals[sig];
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write(`\n${announce(sig, code)}\n`);
    // Work in flight fails as the processes it talks to stop (a socket closed, a connection
    // refused): expected now, and not what the run ends with, which is already decided.
    process.on("uncaughtException", () => undefined);
    const bound = new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref());
    void Promise.race([teardown().catch(() => undefined), bound]).then(() => process.exit(code));
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, onSignal);
}

/**
 * The children of a benchmark: stopped when it exits (SIGTERM, synchronously, from the `exit`
 * listener: a crash or `process.exit` included) and when it is sent a signal (stopped and waited
 * for, then the benchmark exits 128 + the signal number). No JSON line is written then: the run
 * did not finish.
 */
export function benchChildren(name: string): ChildSet {
  const children = new ChildSet();
  process.on("exit", () => children.signalAll("SIGTERM"));
  exitOnInterrupt(
    () => children.stopAll(),
    (sig, code) => `${name} interrupted by ${sig}: stopping the processes it started, then exiting ${code}`,
  );
  return children;
}
