import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
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
