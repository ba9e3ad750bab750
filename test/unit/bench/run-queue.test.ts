import { expect } from "chai";
import { spawn } from "node:child_process";
import { runQueueMeter } from "../../../scripts/bench/processes.js";

describe("bench run-queue meter", () => {
  it("when a process has exited or was never given, then it is left out rather than reported as 0", async function () {
    if (process.platform !== "linux") this.skip();
    const child = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => child.once("exit", resolve));
    const meter = runQueueMeter({ gone: child.pid, absent: undefined, me: process.pid });
    const before = await meter.now();
    const waits = await meter.perSecondSince(before);
    expect(Object.keys(waits)).to.deep.equal(["me"]);
  });

  it("when three busy threads share one core, then each waits about two thirds of every second", async function () {
    if (process.platform !== "linux") this.skip();
    this.timeout(20_000);
    // Pinned to core 0 (taskset execs node under the same pid): each spinner runs about a third
    // of the time and waits two thirds, so the waits total about 2,000 ms per second. The run time
    // (the field before it) would total about 1,000, so this tells the two fields apart.
    const spin = "const end = Date.now() + 1500; while (Date.now() < end);";
    const spinners = [0, 1, 2].map(() => spawn("taskset", ["-c", "0", process.execPath, "-e", spin]));
    await new Promise((resolve) => setTimeout(resolve, 250));
    const meter = runQueueMeter(Object.fromEntries(spinners.map((c, i) => [`s${i}`, c.pid])));
    const before = await meter.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const waits = await meter.perSecondSince(before);
    await Promise.all(spinners.map((c) => new Promise((resolve) => c.once("exit", resolve))));
    const total = Object.values(waits).reduce((a, b) => a + b, 0);
    expect(Object.keys(waits)).to.have.length(3);
    expect(total).to.be.greaterThan(1_500);
  });
});
