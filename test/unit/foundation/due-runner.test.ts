import { expect } from "chai";
import { createDueRunner } from "../../../server/lib/due-runner.js";
import { createLogger, type Logger } from "../../../server/lib/logger.js";

/** A clock standing still at `t` until moved. */
function stillClock(start: number) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** A runner over a list of due times (ms on `c`), recording what each run was handed. */
function listRunner(
  c: ReturnType<typeof stillClock>,
  run: (due: number[]) => Promise<void>,
  log: { logger: Logger; failureMessage: string } = {
    logger: createLogger({ level: "silent" }),
    failureMessage: "step failed",
  },
) {
  const state = { waiting: [] as number[] };
  const runner = createDueRunner<number[]>({
    msUntilDue: () => (state.waiting.length === 0 ? null : Math.max(0, Math.min(...state.waiting) - c.now())),
    take: ({ force }) => {
      const due = state.waiting.filter((w) => force || w <= c.now());
      state.waiting = state.waiting.filter((w) => !due.includes(w));
      return due.length > 0 ? due : null;
    },
    run,
    ...log,
  });
  return { runner, state };
}

describe("lib: running what is due on a timer", () => {
  it("when something is due, then it runs once without anyone asking again, and close runs what is left at once", async () => {
    const c = stillClock(0);
    const ran: number[][] = [];
    let wake: () => void = () => {};
    const { runner, state } = listRunner(c, (due) => {
      ran.push(due);
      wake();
      return Promise.resolve();
    });
    const ranOnce = new Promise<void>((resolve) => (wake = resolve));
    state.waiting = [0];
    runner.schedule();
    await ranOnce;
    expect(ran).to.deep.equal([[0]]);
    state.waiting = [1_000_000];
    runner.schedule();
    await runner.close();
    expect(ran, "forced at close, not a timer's wait later").to.deep.equal([[0], [1_000_000]]);
  });

  it("when a run fails, then the caller's message is logged with the error and the next run still happens", async () => {
    const c = stillClock(0);
    const boom = new Error("database gone");
    const ran: number[][] = [];
    const logged: { msg: string; err: unknown }[] = [];
    // Keeps what the runner logs, so the test sees the caller's message.
    const logger = {
      error: (o: { err: unknown }, msg: string) => void logged.push({ msg, err: o.err }),
    } as unknown as Logger;
    const { runner, state } = listRunner(
      c,
      (due) => {
        ran.push(due);
        return ran.length === 1 ? Promise.reject(boom) : Promise.resolve();
      },
      { logger, failureMessage: "the caller's step failed" },
    );
    state.waiting = [5];
    await runner.close();
    expect(logged).to.deep.equal([{ msg: "the caller's step failed", err: boom }]);
    state.waiting = [6];
    await runner.close();
    expect(ran, "a failed run does not stop the next").to.deep.equal([[5], [6]]);
    expect(logged, "the second run succeeded").to.have.length(1);
  });
});
