import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { ChildSet, isRunning } from "../../../scripts/child-set.js";
import { trackChild } from "../../helpers/interrupt.js";

/**
 * A node process that prints "ready" and then runs until killed; on SIGINT it waits `exitAfterMs`
 * and exits 0 (as a server shutting down), or ignores SIGINT when `exitAfterMs` is null.
 */
async function startChild(exitAfterMs: number | null): Promise<ChildProcess> {
  const onSigint =
    exitAfterMs === null ? "() => {}" : `() => setTimeout(() => process.exit(0), ${exitAfterMs})`;
  const child = spawn(
    process.execPath,
    ["-e", `process.on("SIGINT", ${onSigint}); setInterval(() => {}, 1000); console.log("ready");`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  trackChild(child);
  await once(child.stdout!, "data");
  return child;
}

describe("ChildSet.stop: the children of a script stopped in order", function () {
  this.timeout(30_000);
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const c of started.splice(0)) if (c.pid && isRunning(c.pid)) c.kill("SIGKILL");
  });

  it("when a server and then its database are stopped, then the database still runs while the server stops, and both end with none killed", async () => {
    const children = new ChildSet();
    const server = children.track(await startChild(300));
    const database = children.track(await startChild(0));
    started.push(server, database);

    expect(await children.stop([server], 5_000, "SIGINT")).to.equal(0);
    expect(server.exitCode, "the server's own exit").to.equal(0);
    expect(isRunning(database.pid!), "the database while the server stopped").to.equal(true);

    expect(await children.stop([database], 5_000, "SIGINT")).to.equal(0);
    expect(database.exitCode).to.equal(0);
  });

  it("when a child does not stop within the grace, then it is killed and counted", async () => {
    const children = new ChildSet();
    const stubborn = children.track(await startChild(null));
    started.push(stubborn);

    expect(await children.stop([stubborn], 300, "SIGINT")).to.equal(1);
    expect(stubborn.signalCode).to.equal("SIGKILL");
  });

  it("when a child had already ended, then stopping it returns at once (a bare wait for its exit never returned)", async () => {
    const children = new ChildSet();
    const gone = children.track(await startChild(0));
    started.push(gone);
    gone.kill("SIGINT");
    await once(gone, "exit");

    // A grace far beyond the test's timeout: only returning without waiting for it passes.
    expect(await children.stop([gone], 600_000, "SIGINT")).to.equal(0);
  });

  it("when a child was never tracked, then it is stopped as a lone process", async () => {
    const children = new ChildSet();
    const stray = await startChild(0);
    started.push(stray);

    expect(await children.stop([stray], 5_000, "SIGINT")).to.equal(0);
    expect(stray.exitCode).to.equal(0);
  });
});
