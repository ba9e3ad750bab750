import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";

/**
 * What an interrupted test run (Ctrl-C, a CI job cancelled or timed out) must still do: stop the
 * processes the tests started and then exit non-zero, so `a && b` in `npm test` stops at `a`.
 *
 * Held on globalThis, like the test database: mocha loads the root hooks through `require` and the
 * test files through `import`, which gives this module two instances.
 */
interface Tracked {
  child: ChildProcess;
  /** The child leads its own process group (spawned `detached`): signal the whole group. */
  group: boolean;
}
const holder = globalThis as typeof globalThis & {
  __roadcertTrackedChildren?: Set<Tracked>;
  __roadcertInterruptInstalled?: boolean;
};
const tracked = (holder.__roadcertTrackedChildren ??= new Set());

/**
 * Registers a child process the current tests started, so an interrupted run stops it too (the
 * test's own `after` hook never runs then). Forgotten by itself once the child exits.
 */
export function trackChild(child: ChildProcess, options: { group?: boolean } = {}): ChildProcess {
  const entry: Tracked = { child, group: options.group ?? false };
  if (child.exitCode !== null || child.signalCode !== null) return child;
  tracked.add(entry);
  child.once("exit", () => tracked.delete(entry));
  return child;
}

function signal(entry: Tracked, sig: NodeJS.Signals): void {
  const pid = entry.child.pid;
  if (pid === undefined) return;
  try {
    if (entry.group) process.kill(-pid, sig);
    else entry.child.kill(sig);
  } catch {
    // Already gone (ESRCH): nothing left to stop.
  }
}

/** SIGTERM to every tracked child, SIGKILL to those still there after `graceMs`; resolves when all exited. */
export async function stopTrackedChildren(graceMs = 5_000): Promise<void> {
  const entries = [...tracked];
  const exits = entries.map(
    (e) =>
      new Promise<void>((resolve) => {
        if (e.child.exitCode !== null || e.child.signalCode !== null) resolve();
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

/**
 * On the first SIGINT or SIGTERM: runs `teardown` (bounded by `boundMs`, a hung teardown must not
 * keep a cancelled run alive) and exits with 128 + the signal number, as a shell reports a process
 * killed by that signal. A second signal exits at once. Installed once per process.
 */
export function exitNonZeroOnInterrupt(teardown: () => Promise<void>, boundMs = 20_000): void {
  if (holder.__roadcertInterruptInstalled) return;
  holder.__roadcertInterruptInstalled = true;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    const code = 128 + constants.signals[sig];
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write(`\ntest run interrupted by ${sig}: stopping what the tests started, then exiting ${code}\n`);
    const bound = new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref());
    void Promise.race([teardown().catch(() => undefined), bound]).then(() => process.exit(code));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
