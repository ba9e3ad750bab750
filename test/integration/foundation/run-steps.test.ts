import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isRunning } from "../../../scripts/child-set.js";
import { trackChild } from "../../helpers/interrupt.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * A package whose `test` script is `run-steps.ts` over its own steps, as roadcert's is: `hold`
 * starts a process that starts another and both wait forever (behind a shell, as `a && b` keeps
 * one), `after` and `second` say they ran, `fail` exits 3.
 */
async function stepsPackage(dir: string, steps: string[]): Promise<void> {
  // As package.json runs it: node itself with tsx's loader (an absolute URL: the fixture has no node_modules).
  const tsx = pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href;
  const hold = path.join(dir, "hold.cjs");
  await writeFile(
    hold,
    `const { spawn } = require("node:child_process");
const inner = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
console.log("HOLDING " + process.pid + " " + inner.pid);
setInterval(() => {}, 1000);
`,
  );
  const scripts = {
    test: `exec node --import ${tsx} ${path.join(root, "scripts/run-steps.ts")} ${steps.join(" ")}`,
    hold: `node ${hold} && echo never`,
    // Printed through a concatenation: npm echoes each script's command line, which must not match.
    after: `node -e "console.log('AFTER' + ' RAN')"`,
    second: `node -e "console.log('SECOND' + ' RAN')"`,
    fail: `node -e "process.exit(3)"`,
  };
  await writeFile(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "steps-fixture", private: true, scripts }),
  );
}

/**
 * `npm test` in `dir`, with what it printed and how it ended; `ownGroup`: in a process group of its
 * own, as a terminal or CI job starts it (so the test can signal that group).
 */
function npmTest(dir: string, ownGroup = false, env: Record<string, string> = {}) {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli ? [process.execPath, [npmCli, "test"]] : ["npm", ["test"]];
  const child = trackChild(
    // npm's own log level is the default whatever this run was started with: under `npm run -s`
    // (npm_config_loglevel=silent in the environment) the child npm printed nothing, not even
    // "Missing script", and the missing-script test failed.
    spawn(command, args, {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      detached: ownGroup,
      // No CI phases unless a test gives some (.ci/run hands them to the runner it starts).
      env: { ...process.env, npm_config_loglevel: "notice", ROADCERT_CI_PHASES: "", ...env },
    }),
    { scope: ownGroup ? "group" : "process" },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The pids of the `hold` step's two processes, once it says it is holding. */
async function holding(run: ReturnType<typeof npmTest>): Promise<number[]> {
  const deadline = Date.now() + 30_000;
  let m = /HOLDING (\d+) (\d+)/.exec(run.output());
  while (!m && Date.now() < deadline) {
    await sleep(100);
    m = /HOLDING (\d+) (\d+)/.exec(run.output());
  }
  expect(m, run.output()).not.to.equal(null);
  return [Number(m?.[1]), Number(m?.[2])];
}

describe("npm test's steps (scripts/run-steps.ts)", function () {
  this.timeout(60_000);
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "roadcert-run-steps-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    it(`when npm alone is sent ${sig} during a step, then every process of the step stops, later steps do not run, and npm exits non-zero`, async () => {
      await stepsPackage(dir, ["second", "hold", "after"]);
      const run = npmTest(dir, false, { ROADCERT_CI_PHASES: "npm ci 7 s, test set-up 0 s" });
      let pids: number[] = [];
      try {
        pids = await holding(run);

        run.child.kill(sig);
        // Bounded: with an `&&` chain npm ignores a SIGINT of its own and the step runs on.
        const code = await Promise.race([run.exited, sleep(20_000).then(() => "still running" as const)]);
        // npm reports its script's end: the runner exits 128 + the signal number, npm non-zero.
        expect(code, run.output()).to.be.a("number").and.not.equal(0);
        expect(pids.filter(isRunning), "the step's processes left running").to.deep.equal([]);
        // The last line a cut-off log keeps says where the time went: the running step's time so
        // far, .ci/run's phases and each finished step's.
        expect(run.output()).to.match(
          new RegExp(
            `${sig}: stopping the running step \\(hold, running for \\d+ s; finished before it: npm ci 7 s, test set-up 0 s, second \\d+ s\\) and all it started`,
          ),
        );
        expect(run.output()).not.to.include("AFTER RAN");
      } finally {
        for (const pid of pids.filter(isRunning)) process.kill(pid, "SIGKILL");
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
      }
    });
  }

  it("when the process group npm test was started in is sent SIGKILL (nothing can catch it), then no process of the running step is left", async () => {
    await stepsPackage(dir, ["hold", "after"]);
    const run = npmTest(dir, true);
    let pids: number[] = [];
    try {
      pids = await holding(run);
      process.kill(-(run.child.pid ?? 0), "SIGKILL");
      await run.exited;
      // The kernel ends them at once; a step in a process group of its own would have run on.
      for (let i = 0; i < 20 && pids.some(isRunning); i++) await sleep(100);
      expect(pids.filter(isRunning), "the step's processes left running").to.deep.equal([]);
    } finally {
      for (const pid of pids.filter(isRunning)) process.kill(pid, "SIGKILL");
    }
  });

  it("when a step fails, then the later steps do not run and npm test fails with it", async () => {
    await stepsPackage(dir, ["fail", "after"]);
    const run = npmTest(dir);
    const code = await run.exited;
    expect(code, run.output()).to.equal(3);
    expect(run.output()).not.to.include("AFTER RAN");
  });

  it("when every step passes, then each runs once in order and npm test passes", async () => {
    await stepsPackage(dir, ["after", "second"]);
    const run = npmTest(dir);
    const code = await run.exited;
    expect(code, run.output()).to.equal(0);
    expect(run.output().match(/AFTER RAN|SECOND RAN/g)).to.deep.equal(["AFTER RAN", "SECOND RAN"]);
    expect(run.output().match(/run-steps: \w+ ended \(exit 0\) after \d+ s/g)).to.have.length(2);
  });

  it("when a step names no script of the package, then npm says so, the later steps do not run and npm test fails", async () => {
    await stepsPackage(dir, ["no-such-step", "after"]);
    const run = npmTest(dir);
    const code = await run.exited;
    expect(code, run.output()).to.be.a("number").and.not.equal(0);
    expect(run.output()).to.include('Missing script: "no-such-step"');
    expect(run.output()).not.to.include("AFTER RAN");
  });

  it("when the runner is given no step, then it prints its usage and exits 2 without running anything", async () => {
    await stepsPackage(dir, []);
    const run = npmTest(dir);
    const code = await run.exited;
    expect(code, run.output()).to.equal(2);
    expect(run.output()).to.include("usage: tsx scripts/run-steps.ts <npm script>");
  });
});
