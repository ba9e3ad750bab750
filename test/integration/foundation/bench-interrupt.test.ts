import { expect } from "chai";
import { spawn } from "node:child_process";
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

describe("a benchmark interrupted by a signal", function () {
  this.timeout(120_000);

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    it(`when bench:exam is sent ${sig} while it runs, then the stand-in and the exam node it started stop, it exits 128 + the signal, and no line is written`, async () => {
      const benchmarks = path.join(root, "BENCHMARKS.md");
      const sizeBefore = statSync(benchmarks).size;
      const bench = spawn(
        process.execPath,
        ["--import", "tsx", "scripts/bench-exam.ts", "--candidates", "4"],
        {
          cwd: root,
          env: { ...process.env, MONGODB_URI: "" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      trackChild(bench);
      let output = "";
      bench.stdout.on("data", (d: Buffer) => (output += d.toString()));
      bench.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        bench.once("exit", (code, signal) => resolve({ code, signal })),
      );
      let started: number[] = [];
      try {
        // "checking in" is printed once the stand-in and the exam node are both up.
        const deadline = Date.now() + 90_000;
        while (!output.includes("checking in") && bench.exitCode === null && Date.now() < deadline)
          await sleep(100);
        expect(output, "the benchmark did not reach its check-in").to.include("checking in");
        started = [
          ...running(bench.pid ?? -1, "mongo-standin"),
          ...running(bench.pid ?? -1, "exam-node-process"),
        ];
        expect(started, "the stand-in and the exam node").to.have.length(2);

        bench.kill(sig);
        const { code } = await exited;

        expect(started.filter(isRunning), "processes the benchmark left running").to.deep.equal([]);
        expect(code, output).to.equal(sig === "SIGTERM" ? 143 : 130);
        expect(output).to.include(`bench:exam interrupted by ${sig}`);
        expect(statSync(benchmarks).size, "BENCHMARKS.md").to.equal(sizeBefore);
      } finally {
        // Whatever the outcome, nothing this test started outlives it.
        for (const pid of started.filter(isRunning)) process.kill(pid, "SIGKILL");
        if (bench.exitCode === null && bench.signalCode === null) bench.kill("SIGKILL");
      }
    });
  }
});

describe("a benchmark that ends normally", function () {
  this.timeout(180_000);

  it("when bench:exam finishes with --profile, then its stand-in and exam node have stopped and written their profiles by the time it exits, and the line goes to --line-file alone", async () => {
    const benchmarks = path.join(root, "BENCHMARKS.md");
    const sizeBefore = statSync(benchmarks).size;
    const dir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-end-"));
    const lineFile = path.join(dir, "lines.jsonl");
    const bench = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/bench-exam.ts",
        ...["--candidates", "2", "--answers", "1", "--interval-ms", "200"],
        ...["--profile", path.join(dir, "profiles"), "--line-file", lineFile],
      ],
      { cwd: root, env: { ...process.env, MONGODB_URI: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    trackChild(bench);
    let output = "";
    bench.stdout.on("data", (d: Buffer) => (output += d.toString()));
    bench.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => bench.once("exit", (code) => resolve(code)));
    let started: number[] = [];
    try {
      const deadline = Date.now() + 90_000;
      while (!output.includes("checking in") && bench.exitCode === null && Date.now() < deadline)
        await sleep(100);
      started = [
        ...running(bench.pid ?? -1, "mongo-standin"),
        ...running(bench.pid ?? -1, "exam-node-process"),
      ];
      expect(started, "the stand-in and the exam node").to.have.length(2);

      const code = await exited;

      // Checked the moment it exits: before, the children were only sent SIGTERM on the way out.
      expect(started.filter(isRunning), "processes still running when the benchmark exited").to.deep.equal(
        [],
      );
      expect(code, output).to.equal(0);
      for (const name of ["standin", "exam-node", "load"])
        expect(
          readdirSync(path.join(dir, "profiles", name)).filter((f) => f.endsWith(".cpuprofile")),
          `${name}'s CPU profile`,
        ).to.not.be.empty;
      const lines = readFileSync(lineFile, "utf8").trim().split("\n");
      expect(lines).to.have.length(1);
      expect(JSON.parse(lines[0] ?? "")).to.include({ candidates: 2, lost: 0 });
      expect(statSync(benchmarks).size, "BENCHMARKS.md").to.equal(sizeBefore);
    } finally {
      for (const pid of started.filter(isRunning)) process.kill(pid, "SIGKILL");
      if (bench.exitCode === null && bench.signalCode === null) bench.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the hub's benchmark ending normally", function () {
  this.timeout(180_000);

  it("when bench:hub finishes with its own stand-in and --profile, then the hub and the stand-in have stopped and written their profiles by the time it exits, and the line goes to --line-file alone", async () => {
    const benchmarks = path.join(root, "BENCHMARKS.md");
    const sizeBefore = statSync(benchmarks).size;
    const dir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-hub-end-"));
    const lineFile = path.join(dir, "lines.jsonl");
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MONGODB_URI;
    const bench = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/bench-hub.ts",
        ...["--records", "20", "--provinces", "1", "--batch", "10", "--lookups", "5", "--standin-process"],
        ...["--profile", path.join(dir, "profiles"), "--line-file", lineFile],
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    trackChild(bench);
    let output = "";
    bench.stdout.on("data", (d: Buffer) => (output += d.toString()));
    bench.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => bench.once("exit", (code) => resolve(code)));
    let started: number[] = [];
    try {
      const deadline = Date.now() + 90_000;
      while (!output.includes("hub up at") && bench.exitCode === null && Date.now() < deadline)
        await sleep(100);
      started = [
        ...running(bench.pid ?? -1, "mongo-standin"),
        ...running(bench.pid ?? -1, "scripts/node.ts"),
      ];
      expect(started, `the stand-in and the hub\n${output}`).to.have.length(2);

      const code = await exited;

      expect(started.filter(isRunning), "processes still running when the benchmark exited").to.deep.equal(
        [],
      );
      expect(code, output).to.equal(0);
      expect(output).to.not.include("had to be killed");
      for (const name of ["standin", "hub", "client"])
        expect(
          readdirSync(path.join(dir, "profiles", name)).filter((f) => f.endsWith(".cpuprofile")),
          `${name}'s CPU profile`,
        ).to.not.be.empty;
      const lines = readFileSync(lineFile, "utf8").trim().split("\n");
      expect(lines).to.have.length(1);
      expect(JSON.parse(lines[0] ?? "")).to.include({
        records: 20,
        accepted: 20,
        rejected: 0,
        db: "standin",
      });
      expect(statSync(benchmarks).size, "BENCHMARKS.md").to.equal(sizeBefore);
    } finally {
      for (const pid of started.filter(isRunning)) process.kill(pid, "SIGKILL");
      if (bench.exitCode === null && bench.signalCode === null) bench.kill("SIGKILL");
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
  ];
  for (const [script, args, says] of cases)
    it(`when ${script.replace(".ts", "")} is run with ${args.join(" ")}, then it exits 2 saying which option, before starting anything or writing a line`, async () => {
      const benchmarks = path.join(root, "BENCHMARKS.md");
      const sizeBefore = statSync(benchmarks).size;
      const bench = spawn(process.execPath, ["--import", "tsx", `scripts/${script}`, ...args], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      });
      trackChild(bench);
      let output = "";
      bench.stdout.on("data", (d: Buffer) => (output += d.toString()));
      bench.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => bench.once("exit", (c) => resolve(c)));
      expect(code, output).to.equal(2);
      expect(output).to.match(says);
      // Refused before any process was started: nothing but the one line of usage was printed.
      expect(output.trim().split("\n"), output).to.have.length(1);
      expect(statSync(benchmarks).size, "BENCHMARKS.md").to.equal(sizeBefore);
    });
});
