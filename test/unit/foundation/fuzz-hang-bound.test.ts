import { expect } from "chai";
import { HangError, hangBound } from "../../helpers/fuzz.js";

/**
 * The fuzz sweep's hang bound (test/helpers/fuzz.ts): a request counts as a hang after a budget of
 * this process's CPU time or, when the process does nothing meanwhile, of wall time; a slow answer
 * on a loaded machine (wall time stretched, little work) is not one.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Burns CPU in 20 ms slices, yielding between them, until `signal` aborts. */
async function busyUntil(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const until = performance.now() + 20;
    while (performance.now() < until) Math.sqrt(Math.random());
    await new Promise((r) => setImmediate(r));
  }
}

describe("fuzz hang bound", () => {
  it("when nothing answers and the process stays idle, then the bound gives up on wall time", async () => {
    const bound = hangBound({ cpuMs: 60_000, wallMs: 300 });
    await new Promise((r) => bound.signal.addEventListener("abort", r, { once: true }));
    expect(bound.signal.reason).to.be.instanceOf(HangError);
    expect((bound.signal.reason as Error).message).to.match(
      /^hang \(no answer after \d+ ms of CPU, \d+ ms of wall time, load /,
    );
  });

  it("when the process keeps busy and nothing answers, then the bound gives up on CPU time before the wall bound", async () => {
    const bound = hangBound({ cpuMs: 200, wallMs: 600_000 });
    await busyUntil(bound.signal);
    const message = (bound.signal.reason as Error).message;
    const [, cpu] = /after (\d+) ms of CPU/.exec(message) ?? [];
    expect(Number(cpu)).to.be.at.least(200);
  });

  it("when an answer is slow but costs little work, then it is not a hang", async () => {
    const bound = hangBound({ cpuMs: 10_000, wallMs: 600_000 });
    await sleep(400);
    bound.end();
    expect(bound.signal.aborted).to.equal(false);
  });

  it("when the answer came, then the bound is ended and never fires", async () => {
    const bound = hangBound({ cpuMs: 60_000, wallMs: 150 });
    bound.end();
    await sleep(400);
    expect(bound.signal.aborted).to.equal(false);
  });
});
