import { expect } from "chai";
import { spawn } from "node:child_process";
import { savesOf } from "../../../scripts/bench/exam-capacity.js";
import { faultMeter, idleCpuMeter } from "../../../scripts/bench/processes.js";

describe("bench idle-server CPU meter", () => {
  it("when a watched process spins through one step and rests through the next, then each step and the mean say so", async function () {
    if (process.platform !== "linux") this.skip();
    this.timeout(60_000);
    // The child spins for 300 ms of its own CPU once told to (not 300 ms of wall time: on a loaded
    // machine a wall-clock spin gets a share of a core, and a fixed figure in ms/s failed CI), says
    // how much CPU the spin took, then rests. The meter's busy figure is checked against that.
    const child = spawn(process.execPath, [
      "-e",
      `process.stdin.once("data", () => {
         const from = process.cpuUsage();
         const spent = () => { const u = process.cpuUsage(from); return (u.user + u.system) / 1000; };
         while (spent() < 300);
         process.stdout.write(String(spent()));
         setTimeout(() => {}, 30000);
       });
       process.stdout.write("ready");`,
    ]);
    const nextLine = () =>
      new Promise<string>((resolve) => child.stdout.once("data", (b: Buffer) => resolve(String(b))));
    try {
      await nextLine();
      const meter = idleCpuMeter({ node: child.pid, db: undefined });
      expect(meter.mean()).to.equal(null);
      const startedAt = performance.now();
      const busyStep = await meter.start();
      const spun = nextLine();
      child.stdin.write("go\n");
      const spinMs = Number(await spun);
      const busy = await busyStep();
      const busySeconds = (performance.now() - startedAt) / 1000;
      const restStep = await meter.start();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const rest = await restStep();
      // At least the spin's CPU over (at most) the step's wall time, less a clock tick of rounding.
      expect(busy.node).to.be.at.least(Math.floor((spinMs - 10) / busySeconds));
      expect(rest.node).to.be.lessThan(busy.node / 4);
      // No database watched: its figure is unknown (null in the line), not a database that idled.
      expect(busy.db).to.be.NaN;
      expect(JSON.parse(JSON.stringify(busy)).db).to.equal(null);
      const mean = meter.mean();
      expect(mean?.node).to.be.within(rest.node, busy.node);
    } finally {
      child.kill();
    }
  });
});

describe("bench capacity step's saves", () => {
  it("when a step had failed saves, then they are not counted among those its CPU is divided by", () => {
    const step = { offeredPerSec: 2_915, achievedPerSec: 2_900, p50Ms: 1, p99Ms: 9, failed: 15 };
    expect(savesOf(step, 10_000)).to.equal(29_135);
    expect(savesOf({ ...step, failed: 0 }, 2_000)).to.equal(5_830);
  });
});

describe("bench page-fault meter", () => {
  it("when a watched process touches 64 MB of new memory, then its minor faults count those pages and a resting one's do not", async function () {
    if (process.platform !== "linux") this.skip();
    this.timeout(20_000);
    // One child writes a byte into every 4 KB page of a fresh 64 MB buffer once told to, the other rests.
    const script = (touch: boolean) =>
      `process.stdin.once("data", () => { ${touch ? "const b = Buffer.allocUnsafeSlow(64 << 20); for (let i = 0; i < b.length; i += 4096) b[i] = 1;" : ""} process.stdout.write("done"); setTimeout(() => {}, 3000); });`;
    const toucher = spawn(process.execPath, ["-e", script(true)]);
    const rester = spawn(process.execPath, ["-e", script(false)]);
    const done = (child: typeof toucher) =>
      new Promise((resolve) => child.stdout.once("data", resolve)).then(() => undefined);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const meter = faultMeter({ node: toucher.pid, db: rester.pid });
      const before = await meter.now();
      toucher.stdin.write("go\n");
      rester.stdin.write("go\n");
      await Promise.all([done(toucher), done(rester)]);
      const added = await meter.since(before);
      const pages = (64 << 20) / 4096;
      expect(added.node).to.be.within(pages * 0.9, pages * 1.5);
      expect(added.db).to.be.lessThan(pages / 10);
      // A process that has exited cannot be read: unknown, not "no faults".
      const gone = spawn(process.execPath, ["-e", ""]);
      await new Promise((resolve) => gone.once("exit", resolve));
      const after = await faultMeter({ node: gone.pid, db: undefined }).now();
      expect(after.node).to.be.NaN;
      expect(after.db).to.be.NaN;
      expect(after.load).to.be.greaterThan(0);
    } finally {
      toucher.kill();
      rester.kill();
    }
  });
});
