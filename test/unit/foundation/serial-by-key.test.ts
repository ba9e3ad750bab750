import { expect } from "chai";
import { serialByKey } from "../../../server/lib/serial-by-key.js";

/** A task whose settling the test decides, recording when it started. */
function gate(log: string[], name: string) {
  let settle!: { resolve: (v: string) => void; reject: (e: Error) => void };
  const task = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  };
  return { task, settle: () => settle };
}

/** Lets every pending promise callback run. */
const turns = () => new Promise((resolve) => setImmediate(resolve));

describe("tasks run one after another per key", () => {
  it("when three tasks of one key are queued, then each starts only after the one before settled, even one that failed", async () => {
    const serial = serialByKey();
    const log: string[] = [];
    const [a, b, c] = [gate(log, "a"), gate(log, "b"), gate(log, "c")];
    const pa = serial("k", a.task);
    const pb = serial("k", b.task);
    await turns();
    expect(log).to.deep.equal(["start a"]);
    a.settle().reject(new Error("a failed"));
    await turns();
    expect(log).to.deep.equal(["start a", "start b"]);
    // Queued after a's cleanup ran and while b runs: it must still wait for b.
    const pc = serial("k", c.task);
    await turns();
    expect(log).to.deep.equal(["start a", "start b"]);
    b.settle().resolve("b");
    await turns();
    expect(log).to.deep.equal(["start a", "start b", "start c"]);
    c.settle().resolve("c");
    expect(await pb).to.equal("b");
    expect(await pc).to.equal("c");
    await pa.then(
      () => expect.fail("a should have failed"),
      (err: Error) => expect(err.message).to.equal("a failed"),
    );
  });

  it("when tasks of two keys are queued, then neither waits for the other", async () => {
    const serial = serialByKey();
    const log: string[] = [];
    const [a, b] = [gate(log, "a"), gate(log, "b")];
    void serial("k1", a.task);
    void serial("k2", b.task);
    await turns();
    expect(log).to.deep.equal(["start a", "start b"]);
    a.settle().resolve("a");
    b.settle().resolve("b");
  });

  it("when a task throws before returning its promise, then its caller gets a rejection and the next task of the key still runs", async () => {
    const serial = serialByKey();
    const thrown = serial("k", () => {
      throw new Error("at once");
    });
    const next = serial("k", () => Promise.resolve("next"));
    await thrown.then(
      () => expect.fail("should have failed"),
      (err: Error) => expect(err.message).to.equal("at once"),
    );
    expect(await next).to.equal("next");
  });

  it("when every task of a key has settled, then the key is no longer held, and a new task starts at once", async () => {
    const serial = serialByKey();
    const log: string[] = [];
    const [a, b] = [gate(log, "a"), gate(log, "b")];
    void serial("k", a.task);
    expect(serial.pending()).to.equal(1);
    a.settle().resolve("a");
    await turns();
    expect(serial.pending()).to.equal(0);
    void serial("k", b.task);
    expect(log).to.deep.equal(["start a", "start b"]);
    b.settle().resolve("b");
    await turns();
    expect(serial.pending()).to.equal(0);
  });
});
