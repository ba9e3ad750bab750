import { expect } from "chai";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRunning } from "../../../scripts/child-set.js";
import { trackChild } from "../../helpers/interrupt.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Runs test/fixtures/interrupt/interrupted.spec.ts the way `npm run test:unit` runs a suite (same
 * mocha config and root hooks), sends `sig` to the mocha process once the fixture's test is running,
 * and reports how mocha ended and whether the process that ran the tests (mocha may run them in a
 * process of its own) and the child the fixture started are still there.
 */
async function interruptedRun(
  sig: NodeJS.Signals,
): Promise<{
  code: number | null;
  signal: string | null;
  testsAlive: boolean;
  childAlive: boolean;
  output: string;
}> {
  const mocha = trackChild(
    spawn(
      process.execPath,
      [
        path.join(root, "node_modules/mocha/bin/mocha.js"),
        "--config",
        "test/.mocharc.unit.json",
        "test/helpers/root-hooks.ts",
        "test/fixtures/interrupt/interrupted.spec.ts",
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    ),
  );
  let output = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    mocha.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const pids = await new Promise<{ tests: number; child: number }>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /RUNNING mocha=(\d+) child=(\d+)/.exec(output);
      if (m?.[1] && m[2]) resolve({ tests: Number(m[1]), child: Number(m[2]) });
    };
    mocha.stdout?.on("data", collect);
    mocha.stderr?.on("data", collect);
    void exited.then(() => reject(new Error(`mocha ended before the fixture ran:\n${output}`)));
  });
  mocha.kill(sig);
  const end = await exited;
  const testsAlive = isRunning(pids.tests);
  const childAlive = isRunning(pids.child);
  // Whatever the outcome, leave nothing behind: an orphan holding mocha's output pipes would also
  // keep this test file's own run from ending.
  for (const [pid, isAlive] of [
    [pids.tests, testsAlive],
    [pids.child, childAlive],
  ] as const)
    if (isAlive) process.kill(pid, "SIGKILL");
  mocha.stdout?.destroy();
  mocha.stderr?.destroy();
  return { ...end, testsAlive, childAlive, output };
}

describe("test runs: an interrupted mocha run", function () {
  // A mocha start through tsx; over a minute at high load has been seen for such starts.
  this.timeout(180_000);

  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`when a running suite gets ${sig}, then mocha exits ${code} (not 0) and neither the tests nor the child they started keep running`, async () => {
      const run = await interruptedRun(sig);
      expect(run, run.output).to.deep.include({ code, signal: null, testsAlive: false, childAlive: false });
      expect(run.output).to.include(`interrupted by ${sig}`);
    });
  }
});
