import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { descendantsOf, isRunning } from "../../../scripts/child-set.js";
import { trackChild } from "../../helpers/interrupt.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Pids of the processes below `ppid` whose command line holds `script` (tsx's esbuild service is below it too). */
function running(ppid: number, script: string): number[] {
  return descendantsOf(ppid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(script);
    } catch {
      return false; // Gone since listed.
    }
  });
}

/** A benchmark script started as `npm run bench:*` starts it (through tsx), tracked so it cannot outlive the test. */
class BenchRun {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The processes it started, found by `childrenNamed`, killed by `cleanUp` if still there. */
  started: number[] = [];

  constructor(script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, ["--import", "tsx", `scripts/${script}`, ...args], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackChild(this.child);
    this.child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  /** Waits until its output holds `text`, it ends, or 90 s pass. */
  async reach(text: string): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (!this.output.includes(text) && this.child.exitCode === null && Date.now() < deadline)
      await sleep(100);
    expect(this.output, `the benchmark did not reach "${text}"`).to.include(text);
  }

  /** Pids of the processes it started whose command lines hold one of `scripts`, one each expected. */
  childrenNamed(...scripts: string[]): number[] {
    this.started = scripts.flatMap((script) => running(this.child.pid ?? -1, script));
    expect(this.started, `${scripts.join(" and ")}\n${this.output}`).to.have.length(scripts.length);
    return this.started;
  }

  /** Whatever the outcome, nothing this test started outlives it. */
  cleanUp(): void {
    for (const pid of this.started.filter(isRunning)) process.kill(pid, "SIGKILL");
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** BENCHMARKS.md's size now, to show a run wrote no line there. */
const benchmarksSize = () => statSync(path.join(root, "BENCHMARKS.md")).size;

describe("a benchmark interrupted by a signal", function () {
  this.timeout(120_000);

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    it(`when bench:exam is sent ${sig} while it runs, then the stand-in and the exam node it started stop, it exits 128 + the signal, and no line is written`, async () => {
      const sizeBefore = benchmarksSize();
      const run = new BenchRun("bench-exam.ts", ["--candidates", "4"], { ...process.env, MONGODB_URI: "" });
      try {
        // "checking in" is printed once the stand-in and the exam node are both up.
        await run.reach("checking in");
        const started = run.childrenNamed("mongo-standin", "exam-node-process");

        run.child.kill(sig);
        const { code } = await run.exited;

        expect(started.filter(isRunning), "processes the benchmark left running").to.deep.equal([]);
        expect(code, run.output).to.equal(sig === "SIGTERM" ? 143 : 130);
        expect(run.output).to.include(`bench:exam interrupted by ${sig}`);
        expect(benchmarksSize(), "BENCHMARKS.md").to.equal(sizeBefore);
      } finally {
        run.cleanUp();
      }
    });
  }
});

describe("a benchmark that ends normally", function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-end-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Checked the moment `run` exits: its children stopped (before c32ac75 bench:exam only sent
   * them SIGTERM on its way out), a CPU profile from each of `profiled`, and its one line in
   * --line-file, none in BENCHMARKS.md.
   */
  async function expectCleanEnd(run: BenchRun, profiled: string[], sizeBefore: number) {
    const { code } = await run.exited;
    expect(run.started.filter(isRunning), "processes still running when the benchmark exited").to.deep.equal(
      [],
    );
    expect(code, run.output).to.equal(0);
    expect(run.output).to.not.match(/had to be killed|were killed/);
    for (const name of profiled)
      expect(
        readdirSync(path.join(dir, "profiles", name)).filter((f) => f.endsWith(".cpuprofile")),
        `${name}'s CPU profile`,
      ).to.not.be.empty;
    const lines = readFileSync(path.join(dir, "lines.jsonl"), "utf8").trim().split("\n");
    expect(lines).to.have.length(1);
    expect(benchmarksSize(), "BENCHMARKS.md").to.equal(sizeBefore);
    return JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  }

  it("when bench:exam finishes with --profile, then its stand-in and exam node have stopped and written their profiles by the time it exits, and the line goes to --line-file alone", async () => {
    const sizeBefore = benchmarksSize();
    const run = new BenchRun(
      "bench-exam.ts",
      [
        ...["--candidates", "2", "--answers", "1", "--interval-ms", "200"],
        ...["--profile", path.join(dir, "profiles"), "--line-file", path.join(dir, "lines.jsonl")],
      ],
      { ...process.env, MONGODB_URI: "" },
    );
    try {
      await run.reach("checking in");
      run.childrenNamed("mongo-standin", "exam-node-process");

      const line = await expectCleanEnd(run, ["standin", "exam-node", "load"], sizeBefore);

      expect(line).to.include({ candidates: 2, lost: 0 });
    } finally {
      run.cleanUp();
    }
  });

  it("when bench:hub finishes with its own stand-in and --profile, then the hub and the stand-in have stopped and written their profiles by the time it exits, and the line goes to --line-file alone", async () => {
    const sizeBefore = benchmarksSize();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MONGODB_URI;
    const run = new BenchRun(
      "bench-hub.ts",
      [
        ...["--records", "20", "--provinces", "1", "--batch", "10", "--lookups", "5", "--standin-process"],
        ...["--profile", path.join(dir, "profiles"), "--line-file", path.join(dir, "lines.jsonl")],
      ],
      env,
    );
    try {
      await run.reach("hub up at");
      run.childrenNamed("mongo-standin", "scripts/node.ts");

      const line = await expectCleanEnd(run, ["standin", "hub", "client"], sizeBefore);

      expect(line).to.include({ records: 20, accepted: 20, rejected: 0, db: "standin" });
    } finally {
      run.cleanUp();
    }
  });
});

describe("bench:import's command line", function () {
  this.timeout(120_000);

  it("when bench:import is given its options in the spaced form, then it reads them: one size, one format, the line in --line-file alone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-import-"));
    const sizeBefore = benchmarksSize();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MONGODB_URI;
    const run = new BenchRun(
      "bench-import.ts",
      ["--sizes", "20", "--formats", "gift", "--line-file", path.join(dir, "lines.jsonl")],
      env,
    );
    try {
      const { code } = await run.exited;
      expect(code, run.output).to.equal(0);
      const lines = readFileSync(path.join(dir, "lines.jsonl"), "utf8").trim().split("\n");
      expect(lines).to.have.length(1);
      expect(JSON.parse(lines[0] ?? "")).to.include({
        bench: "import",
        format: "gift",
        questions: 20,
        imported: 20,
      });
      expect(benchmarksSize(), "BENCHMARKS.md").to.equal(sizeBefore);
    } finally {
      run.cleanUp();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a benchmark given a bad option", function () {
  this.timeout(60_000);

  const cases: [script: string, args: string[], says: RegExp][] = [
    [
      "bench-exam.ts",
      ["--line-file", "/nonexistent-folder/lines.jsonl"],
      /^bench:exam: --line-file: cannot append/m,
    ],
    ["bench-hub.ts", ["--records", "many"], /^bench:hub: --records: /m],
    ["bench-hub.ts", ["--provinces", "9"], /^bench:hub: --provinces: /m],
    ["bench-exchange.ts", ["--concurrency", "0"], /^bench:exchange: --concurrency: /m],
    ["bench-cert.ts", ["--pdfs", "2.5"], /^bench:cert: --pdfs: /m],
    ["bench-report.ts", ["--rows", "0"], /^bench:report: --rows: /m],
    ["bench-import.ts", ["--formats=gift,docx"], /^bench:import: --formats: unknown docx/m],
    // A misspelt option was skipped and the defaults run (it read its options by string match).
    ["bench-import.ts", ["--size=10"], /^bench:import: Unknown option '--size'/m],
    ["bench-import.ts", ["--sizes", "1,x"], /^bench:import: --sizes: /m],
    ["bench-import.ts", ["--import-budget-s=soon"], /^bench:import: --import-budget-s: /m],
  ];
  for (const [script, args, says] of cases)
    it(`when ${script.replace(".ts", "")} is run with ${args.join(" ")}, then it exits 2 saying which option, before starting anything or writing a line`, async () => {
      const sizeBefore = benchmarksSize();
      const run = new BenchRun(script, args);
      try {
        const { code } = await run.exited;
        expect(code, run.output).to.equal(2);
        expect(run.output).to.match(says);
        // Refused before any process was started: nothing but the one line of usage was printed.
        expect(run.output.trim().split("\n"), run.output).to.have.length(1);
        expect(benchmarksSize(), "BENCHMARKS.md").to.equal(sizeBefore);
      } finally {
        run.cleanUp();
      }
    });
});
