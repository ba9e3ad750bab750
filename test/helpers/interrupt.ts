import type { ChildProcess } from "node:child_process";
import { ChildSet, exitOnInterrupt, type Scope } from "../../scripts/child-set.js";

/**
 * What an interrupted test run (Ctrl-C, a CI job cancelled or timed out) must still do: stop the
 * processes the tests started and then exit non-zero, so `npm test` stops at that step.
 *
 * Held on globalThis, like the test database: mocha loads the root hooks through `require` and the
 * test files through `import`, which gives this module two instances.
 */
const holder = globalThis as typeof globalThis & {
  __roadcertTrackedChildren?: ChildSet;
  __roadcertInterruptInstalled?: boolean;
};
const tracked = (holder.__roadcertTrackedChildren ??= new ChildSet());

/**
 * Registers a child process the current tests started, so an interrupted run stops it too (the
 * test's own `after` hook never runs then). Forgotten by itself once the child exits.
 */
export function trackChild<C extends ChildProcess>(child: C, options: { scope?: Scope } = {}): C {
  return tracked.track(child, options);
}

/** SIGTERM to every tracked child, SIGKILL to those still there after `graceMs`; resolves when all exited, with how many were killed. */
export function stopTrackedChildren(graceMs = 5_000): Promise<number> {
  return tracked.stopAll(graceMs);
}

/**
 * On the first interrupting signal: runs `teardown` and exits with 128 + the signal number (see
 * `exitOnInterrupt`). Installed once per process.
 */
export function exitNonZeroOnInterrupt(teardown: () => Promise<void>, boundMs = 20_000): void {
  if (holder.__roadcertInterruptInstalled) return;
  holder.__roadcertInterruptInstalled = true;
  exitOnInterrupt(
    teardown,
    (sig, code) => `test run interrupted by ${sig}: stopping what the tests started, then exiting ${code}`,
    boundMs,
  );
}
