/**
 * Child processes a long-running script started, and how they are stopped however the script
 * ends: a normal end, a crash, or a signal (Ctrl-C in a terminal, SIGTERM from `timeout`, a
 * process manager or a cancelled CI job). Node's default on SIGINT and SIGTERM is to die at once,
 * without `exit` listeners or `finally` blocks, which left a benchmark's database and exam node
 * running on their ports. Shared by the benchmarks and the test run's interrupt handling.
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

interface Tracked {
  child: ChildProcess;
  /** The child leads its own process group (spawned `detached`): signal the whole group. */
  group: boolean;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Whether process `pid` is still there (signal 0 only checks; a zombie not yet reaped counts). */
export function isRunning(pid: number): boolean {
  return signalZero(pid);
}

/** Whether any process of process group `pgid` is still there (signal 0 only checks). */
export function isGroupRunning(pgid: number): boolean {
  return signalZero(-pgid);
}

function signalZero(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch {
    return false;
  }
}

/** A child, or for a group every process in it (which may outlive the leader), has ended. */
function finished(entry: Tracked): boolean {
  if (!hasExited(entry.child)) return false;
  const pid = entry.child.pid;
  return !entry.group || pid === undefined || !isGroupRunning(pid);
}

export class ChildSet {
  readonly #tracked = new Set<Tracked>();

  /**
   * Tracks `child` until it exits; with `group` (a child spawned `detached`, leading its own
   * process group), until every process of its group has. Returns it.
   */
  track<C extends ChildProcess>(child: C, options: { group?: boolean } = {}): C {
    const entry: Tracked = { child, group: options.group ?? false };
    if (finished(entry)) return child;
    this.#prune();
    this.#tracked.add(entry);
    if (!entry.group) child.once("exit", () => this.#tracked.delete(entry));
    return child;
  }

  /** Sends `sig` to every tracked child still running; synchronous, so it also works in an `exit` listener. */
  signalAll(sig: NodeJS.Signals): void {
    for (const entry of this.#tracked) signal(entry, sig);
  }

  /**
   * `sig` (SIGTERM unless told) to every tracked child, SIGKILL to those still there after
   * `graceMs`; resolves when all have ended (a group: every process in it).
   */
  async stopAll(graceMs = 5_000, sig: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const entries = [...this.#tracked].filter((e) => !finished(e));
    for (const e of entries) signal(e, sig);
    const killAt = performance.now() + graceMs;
    let killed = false;
    // Polled: a group has no event for its last process ending.
    while (entries.some((e) => !finished(e))) {
      if (!killed && performance.now() >= killAt) {
        for (const e of entries) signal(e, "SIGKILL");
        killed = true;
      }
      await sleep(50);
    }
    this.#prune();
  }

  #prune(): void {
    for (const e of this.#tracked) if (finished(e)) this.#tracked.delete(e);
  }
}

function signal(entry: Tracked, sig: NodeJS.Signals): void {
  const pid = entry.child.pid;
  if (pid === undefined || finished(entry)) return;
  try {
    if (entry.group) process.kill(-pid, sig);
    else entry.child.kill(sig);
  } catch {
    // Already gone (ESRCH): nothing left to stop.
  }
}

/**
 * On the first SIGINT, SIGTERM or SIGHUP: says so on stderr (`announce`), runs `teardown` with
 * that signal (bounded by `boundMs`: a hung teardown must not keep a cancelled run alive) and exits
 * with 128 + the signal number, as a shell reports a process killed by that signal, so `a && b`
 * stops at `a`. Errors thrown meanwhile are ignored. Another signal more than a second later exits
 * at once; one sooner is the same interrupt arriving twice (Ctrl-C reaches a process both from the
 * terminal and relayed by npm or tsx above it) and is ignored.
 */
export function exitOnInterrupt(
  teardown: (sig: NodeJS.Signals) => Promise<void>,
  announce: (sig: NodeJS.Signals, code: number) => string,
  boundMs = 20_000,
): void {
  let firstAt: number | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    const code = 128 + constants.signals[sig];
    if (firstAt !== null) {
      if (performance.now() - firstAt > 1_000) process.exit(code);
      return;
    }
    firstAt = performance.now();
    process.stderr.write(`\n${announce(sig, code)}\n`);
    // Work in flight fails as the processes it talks to stop (a socket closed, a connection
    // refused): expected now, and not what the run ends with, which is already decided.
    process.on("uncaughtException", () => undefined);
    const bound = new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref());
    void Promise.race([teardown(sig).catch(() => undefined), bound]).then(() => process.exit(code));
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
