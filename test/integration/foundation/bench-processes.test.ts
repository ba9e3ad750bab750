import { expect } from "chai";
import { once } from "node:events";
import { spawnReady } from "../../../scripts/bench/processes.js";
import { ChildSet } from "../../../scripts/child-set.js";

/** What `work` wrote to this process's stderr meanwhile (and passes nothing through). */
async function stderrOf(work: () => Promise<void>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let written = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stderr.write = write;
  }
  return written;
}

/** A child that prints READY, then ends as `end` says after a moment. */
const childThat = (end: string) => [
  "-e",
  `console.log("READY"); setTimeout(() => { console.error("shutting down went wrong"); ${end}; }, 200);`,
];

describe("a benchmark's child process after it was ready", function () {
  this.timeout(30_000);

  it("when it exits with an error code, then the benchmark says so with the child's last output", async () => {
    const said = await stderrOf(async () => {
      const { child } = await spawnReady(new ChildSet(), childThat("process.exit(3)"), {}, /(READY)/);
      await once(child, "exit");
    });
    expect(said).to.include("-e exited 3");
    expect(said).to.include("shutting down went wrong");
  });

  it("when it exits 0 or is stopped by a signal, then nothing is said", async () => {
    const said = await stderrOf(async () => {
      const clean = await spawnReady(new ChildSet(), childThat("process.exit(0)"), {}, /(READY)/);
      await once(clean.child, "exit");
      const stopped = await spawnReady(
        new ChildSet(),
        childThat("setInterval(() => {}, 1000)"),
        {},
        /(READY)/,
      );
      stopped.child.kill("SIGTERM");
      await once(stopped.child, "exit");
    });
    expect(said).to.equal("");
  });
});
