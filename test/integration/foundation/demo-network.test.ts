import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isGroupRunning } from "../../../scripts/child-set.js";
import { trackChild } from "../../helpers/interrupt.js";
import { portsToStartOn } from "../../helpers/ports.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

async function healthz(port: number): Promise<{ role?: string; provinceCode?: string | null } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as { role?: string; provinceCode?: string | null }) : null;
  } catch {
    return null;
  }
}

/** A demo network being started: its launcher, everything it printed, and its exit. */
interface Started {
  child: ChildProcess;
  ports: number[];
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `command args` as the demo network's launcher, in its own process group (so a test can send
 * Ctrl-C the way a terminal does: to the group), and waits until all three nodes answer /healthz
 * and the table with "Ctrl-C" is printed.
 */
async function startDemo(command: string, args: string[], dataDir: string): Promise<Started> {
  // Below the kernel's automatic range: no listen(0) or outgoing connection on the machine is
  // handed one of them while tsx compiles and the nodes start (a listen(0) port could be).
  const ports = await portsToStartOn(3);
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, DEMO_PORTS: ports.join(","), LOG_LEVEL: "info" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Tracked as a group: an interrupted test run stops all three nodes, not only the launcher.
  trackChild(child, { scope: "group" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let exitedEarly = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => (exitedEarly = true));

  const seen: ({ role?: string; provinceCode?: string | null } | null)[] = [null, null, null];
  while (seen.some((s) => s === null) && !exitedEarly) {
    for (const [i, port] of ports.entries()) seen[i] ??= await healthz(port);
    await sleep(500);
  }
  expect(exitedEarly, `npm start exited early:\n${output}`).to.equal(false);
  expect(seen.map((s) => [s?.role, s?.provinceCode])).to.deep.equal([
    ["hub", null],
    ["province", "320000"],
    ["province", "110000"],
  ]);
  // The table is printed once every node is up and seeded.
  while (!output.includes("Ctrl-C") && !exitedEarly) await sleep(200);
  return { child, ports, output: () => output, exited };
}

describe("npm start (demo network)", function () {
  // Three nodes compile and start, the provinces import the sample banks; on a fresh clone the
  // client is built first.
  this.timeout(300_000);

  let dataDir: string;
  let started: Started | null = null;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "roadcert-demo-"));
  });
  afterEach(async () => {
    // Whatever happened, leave no node running.
    const pid = started?.child.pid;
    // The whole group, even when the launcher itself has exited (its children may not have).
    if (pid && isGroupRunning(pid)) process.kill(-pid, "SIGKILL");
    started = null;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("when started, then the hub and both provinces answer /healthz; on Ctrl-C all stop cleanly and their data stays", async () => {
    // What `npm start` runs (its `exec` is held by test/unit/foundation/package-scripts.test.ts),
    // started without npm in between so its own exit code is what we see.
    const demo = (started = await startDemo(
      process.execPath,
      ["--import", "tsx", path.join(root, "scripts/demo-network.ts")],
      dataDir,
    ));
    for (const port of demo.ports) expect(demo.output()).to.include(`http://127.0.0.1:${port}/`);
    // A first start shows no warning: the provinces' records wait for the hub to register them
    // without a failure logged (they were refused 401 unknown_key, a warning per record, before).
    expect(
      demo
        .output()
        .split("\n")
        .filter((l) => /警告|错误/.test(l)),
    ).to.deep.equal([]);
    const jiangsuLog = readFileSync(path.join(dataDir, "logs", "province-320000.log"), "utf8");
    const loud = jiangsuLog.split("\n").filter((l) => /"level":[4-6]0/.test(l) && l.includes("unknown_key"));
    expect(loud).to.deep.equal([]);

    const beforeStop = demo.output().length;
    process.kill(-(demo.child.pid ?? 0), "SIGINT");
    expect(await demo.exited, demo.output()).to.equal(0);
    expect(demo.output()).to.include("全部节点已停止");
    // Stopping is orderly: the provinces' inbox long polls end at the hub as they stop, and the hub
    // finishes those requests before it closes its database (once "[hub] 错误 … client was closed").
    expect(
      demo
        .output()
        .slice(beforeStop)
        .split("\n")
        .filter((l) => l.includes("错误")),
    ).to.deep.equal([]);
    for (const port of demo.ports) expect(await healthz(port)).to.equal(null);
    for (const node of ["hub", "province-320000", "province-110000"]) {
      const dir = path.join(dataDir, node);
      // With MONGODB_URI set the nodes use that server instead of local files.
      if (!process.env.MONGODB_URI)
        expect(existsSync(dir) && readdirSync(dir).length > 0, `${dir} holds data`).to.equal(true);
      expect(existsSync(path.join(dataDir, "logs", `${node}.log`))).to.equal(true);
    }
  });

  it("when a process manager stops `npm start` with SIGTERM to npm alone, then every node stops cleanly, none left running", async () => {
    // npm forwards the signal to its script's shell only; without `exec` that shell died and
    // left tsx, the launcher and all three nodes running, holding their ports.
    const npm = process.env.npm_execpath;
    const demo = (started = npm
      ? await startDemo(process.execPath, [npm, "start"], dataDir)
      : await startDemo("npm", ["start"], dataDir));
    process.kill(demo.child.pid ?? 0, "SIGTERM");
    await demo.exited;
    for (let i = 0; i < 60 && !demo.output().includes("全部节点已停止"); i++) await sleep(500);
    expect(demo.output()).to.include("全部节点已停止");
    for (const port of demo.ports) expect(await healthz(port)).to.equal(null);
    // npm, tsx and the launcher shared the group; the nodes have their own and no longer answer.
    const pid = demo.child.pid ?? 0;
    for (let i = 0; i < 60 && isGroupRunning(pid); i++) await sleep(500);
    expect(isGroupRunning(pid), "a process of `npm start` is still running").to.equal(false);
  });

  it("when `npm start` runs on a data folder another one is using, then it refuses at once naming the folder and the pid, and touches nothing there", async () => {
    // The lock a running `npm start` holds; this test process plays that live holder.
    const lock = path.join(dataDir, "npm-start.lock");
    const holder = {
      pid: process.pid,
      hostname: hostname(),
      owner: "npm start",
      startedAt: new Date().toISOString(),
      token: "t",
    };
    writeFileSync(lock, JSON.stringify(holder));
    const ports = await portsToStartOn(3);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/demo-network.ts")], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, DEMO_PORTS: ports.join(","), LOG_LEVEL: "info" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackChild(child, { scope: "group" });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const code = await Promise.race([exited, sleep(45_000).then(() => "still running" as const)]);
    if (code === "still running" && child.pid) process.kill(-child.pid, "SIGKILL");
    expect(code, output).to.equal(1);
    expect(output).to.include(dataDir);
    expect(output).to.include(String(process.pid));
    expect(readdirSync(dataDir)).to.deep.equal(["npm-start.lock"]);
    expect(JSON.parse(readFileSync(lock, "utf8"))).to.deep.equal(holder);
    for (const port of ports) expect(await healthz(port)).to.equal(null);
  });
});
