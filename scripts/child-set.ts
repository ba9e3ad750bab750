/**
 * Child processes a long-running script started, and how they are stopped however the script
 * ends: a normal end, a crash, or a signal (Ctrl-C in a terminal, SIGTERM from `timeout`, a
 * process manager or a cancelled CI job). Node's default on SIGINT and SIGTERM is to die at once,
 * without `exit` listeners or `finally` blocks, which left a benchmark's database and exam node
 * running on their ports. Shared by the benchmarks and the test run's interrupt handling.
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * What a signal reaches: the child alone; its process group (a child spawned `detached`); or the
 * child and every process below it (a chain of npm, shell and tool processes that each pass a
 * signal on badly, left in the caller's process group so that a SIGKILL to that group still ends
 * them all).
 */
export type Scope = "process" | "group" | "tree";

interface Tracked {
  child: ChildProcess;
  scope: Scope;
  /** For "tree": every process found below the child so far, stopped even once reparented. */
  seen: Set<number>;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * The fields of a `/proc/<pid>/stat` text after the command name, which may hold spaces and
 * parentheses: field 3 (state) first, so field n (1-based, as proc(5) numbers them) is at n - 3.
 */
export function procStatFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** `procStatFields` of process `pid`, read now; null when it cannot be read (gone, no /proc). */
function statFields(pid: number | string): string[] | null {
  try {
    return procStatFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` is still there (signal 0 checks; on Linux a zombie, which has ended and
 * waits only to be reaped, does not count).
 */
export function isRunning(pid: number): boolean {
  return signalZero(pid) && statFields(pid)?.[0] !== "Z";
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

/** Every process below `root` (children, their children…), from /proc's parent links; [] without /proc. */
export function descendantsOf(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(entry)?.[1]);
    if (!Number.isFinite(parent)) continue;
    const siblings = childrenOf.get(parent) ?? [];
    siblings.push(Number(entry));
    childrenOf.set(parent, siblings);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of childrenOf.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A child (a group: every process in it, which may outlive the leader; a tree: every process seen below it) has ended. */
function finished(entry: Tracked): boolean {
  if (!hasExited(entry.child)) return false;
  const pid = entry.child.pid;
  if (pid === undefined || entry.scope === "process") return true;
  if (entry.scope === "group") return !isGroupRunning(pid);
  for (const p of entry.seen) if (!isRunning(p)) entry.seen.delete(p);
  return entry.seen.size === 0;
}

export class ChildSet {
  readonly #tracked = new Set<Tracked>();

  /**
   * Tracks `child` until it has ended, with what a signal to it reaches (`scope`, see `Scope`;
   * the child alone by default). Returns it.
   */
  track<C extends ChildProcess>(child: C, options: { scope?: Scope } = {}): C {
    const entry: Tracked = { child, scope: options.scope ?? "process", seen: new Set() };
    if (finished(entry)) return child;
    this.#prune();
    this.#tracked.add(entry);
    if (entry.scope === "process") child.once("exit", () => this.#tracked.delete(entry));
    return child;
  }

  /** Sends `sig` to every tracked child still running; synchronous, so it also works in an `exit` listener. */
  signalAll(sig: NodeJS.Signals): void {
    for (const entry of this.#tracked) signal(entry, sig);
  }

  /**
   * `sig` (SIGTERM unless told) to every tracked child, SIGKILL to those still there after
   * `graceMs`; resolves when all have ended (see `finished`), with how many of them had to be
   * killed (a child killed so did not finish its own exit: a CPU profile it was to write is lost).
   */
  stopAll(graceMs = 5_000, sig: NodeJS.Signals = "SIGTERM"): Promise<number> {
    return this.#stop([...this.#tracked], graceMs, sig);
  }

  /**
   * As `stopAll`, for `children` alone (each as it is tracked here, or as a lone process when it
   * is not): for a stop in order, such as a server before the database it writes to on its way
   * out. Unlike a bare wait for `exit`, this returns for a child that had already ended, and is
   * bounded.
   */
  stop(children: readonly ChildProcess[], graceMs = 5_000, sig: NodeJS.Signals = "SIGTERM"): Promise<number> {
    const entries = children.map(
      (child) =>
        [...this.#tracked].find((e) => e.child === child) ?? {
          child,
          scope: "process" as const,
          seen: new Set<number>(),
        },
    );
    return this.#stop(entries, graceMs, sig);
  }

  async #stop(all: readonly Tracked[], graceMs: number, sig: NodeJS.Signals): Promise<number> {
    const entries = all.filter((e) => !finished(e));
    for (const e of entries) signal(e, sig);
    const killAt = performance.now() + graceMs;
    let killed: Tracked[] | null = null;
    // Polled: a group or a tree has no event for its last process ending.
    while (entries.some((e) => !finished(e))) {
      if (!killed && performance.now() >= killAt) {
        killed = entries.filter((e) => !finished(e));
        for (const e of killed) signal(e, "SIGKILL");
      }
      await sleep(50);
    }
    this.#prune();
    return killed?.length ?? 0;
  }

  #prune(): void {
    for (const e of this.#tracked) if (finished(e)) this.#tracked.delete(e);
  }
}

function kill(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // Already gone (ESRCH): nothing left to stop.
  }
}

function signal(entry: Tracked, sig: NodeJS.Signals): void {
  const pid = entry.child.pid;
  if (pid === undefined || finished(entry)) return;
  if (entry.scope === "group") {
    kill(-pid, sig);
    return;
  }
  if (entry.scope === "process") {
    kill(pid, sig);
    return;
  }
  // The tree as it is now (found before any of it is signalled, while its parent links hold),
  // plus what was seen below it before and may since have been reparented. Only while the child
  // runs: once it has ended its pid may be another process's. A process seen to have ended is
  // forgotten, so its pid, if reused, is never signalled.
  if (!hasExited(entry.child)) {
    entry.seen.add(pid);
    for (const p of descendantsOf(pid)) entry.seen.add(p);
  }
  for (const p of entry.seen) {
    if (isRunning(p)) kill(p, sig);
    else entry.seen.delete(p);
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
  teardown: (sig: NodeJS.Signals) => Promise<unknown>,
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
