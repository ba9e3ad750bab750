import { expect } from "chai";
import fc from "fast-check";
import { serialByKey } from "../../../server/lib/serial-by-key.js";

/**
 * The saves of one attempt run one after another (attempt-store.ts `serial`): the save path's
 * queue was cut to fewer promises (issue 17), and these hold it to first-in first-out per key,
 * one task at a time per key, keys apart, and each caller told its own task's outcome.
 */

/** Lets every pending promise callback run. */
const turns = () => new Promise((resolve) => setImmediate(resolve));

/** How one queued task ends: at once or after some turns, resolving, rejecting, or throwing before it returns a promise. */
type Ending = { kind: "resolve" | "reject" | "throw"; after: number };

const ending: fc.Arbitrary<Ending> = fc.record({
  kind: fc.constantFrom<Ending["kind"]>("resolve", "resolve", "resolve", "reject", "throw"),
  after: fc.nat(3),
});

/** Waits `n` turns of the event loop, then settles. */
async function after(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turns();
}

describe("saves of one attempt run in order", () => {
  it("when tasks of several keys are queued at once and some fail, then each key's run one at a time in queue order, and each caller gets its own outcome", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom("a1", "a2", "a3"), ending }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (tasks) => {
          const serial = serialByKey();
          const started: Record<string, number[]> = {};
          const running: Record<string, number> = { a1: 0, a2: 0, a3: 0 };
          let overlap = false;
          const outcomes = tasks.map(({ key, ending: e }, i) =>
            serial(key, () => {
              (started[key] ??= []).push(i);
              const now = (running[key] ?? 0) + 1;
              running[key] = now;
              if (now > 1) overlap = true;
              if (e.kind === "throw") {
                running[key] = now - 1;
                throw new Error(`task ${i} threw`);
              }
              return after(e.after).then(() => {
                running[key] = (running[key] ?? 1) - 1;
                if (e.kind === "reject") throw new Error(`task ${i} failed`);
                return `task ${i}`;
              });
            }).then(
              (value) => ({ ok: true, value }),
              (err: Error) => ({ ok: false, value: err.message }),
            ),
          );
          const results = await Promise.all(outcomes);
          expect(overlap).to.equal(false);
          for (const key of ["a1", "a2", "a3"]) {
            const queued = tasks.flatMap((t, i) => (t.key === key ? [i] : []));
            expect(started[key] ?? []).to.deep.equal(queued);
          }
          results.forEach((r, i) => {
            const kind = tasks[i]?.ending.kind;
            expect(r).to.deep.equal(
              kind === "resolve"
                ? { ok: true, value: `task ${i}` }
                : { ok: false, value: kind === "throw" ? `task ${i} threw` : `task ${i} failed` },
            );
          });
          await turns();
          expect(serial.pending()).to.equal(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("when a key's task waits and another is queued while a failed one before it settles, then the later one still waits its turn", async () => {
    const serial = serialByKey();
    const log: string[] = [];
    let release!: () => void;
    const first = serial("k", () => {
      log.push("1");
      return Promise.reject(new Error("first failed"));
    });
    const second = serial("k", () => {
      log.push("2");
      return new Promise<string>((resolve) => (release = () => resolve("2")));
    });
    await first.catch(() => undefined);
    await turns();
    const third = serial("k", () => {
      log.push("3");
      return Promise.resolve("3");
    });
    const other = serial("other", () => {
      log.push("other");
      return Promise.resolve("other");
    });
    await turns();
    expect(log).to.deep.equal(["1", "2", "other"]);
    release();
    expect(await second).to.equal("2");
    expect(await third).to.equal("3");
    expect(await other).to.equal("other");
    expect(log).to.deep.equal(["1", "2", "other", "3"]);
  });

  it("when a key is idle, then a new task starts within the call, before any turn", () => {
    const serial = serialByKey();
    let ran = false;
    void serial("k", () => {
      ran = true;
      return Promise.resolve();
    });
    expect(ran).to.equal(true);
  });
});
