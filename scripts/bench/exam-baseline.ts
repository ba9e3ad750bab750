/**
 * The bare socket.io ack-echo baseline of `bench:exam`: the same N clients, the same fixed
 * schedule and (with `--capacity`) the same capacity search as the exam node, against a server
 * that only acknowledges. What the node achieves is read against it.
 */
import type { ChildSet } from "../child-set.js";
import {
  measureAt,
  savesOf,
  type CapacityOptions,
  type CapacityStep,
  type SearchSide,
  type SendSave,
} from "./exam-capacity.js";
import { connectClient, emitAck, type BenchSocket } from "./bench-socket.js";
import type { OfferedQuestion } from "./exam-choices.js";
import { drive, inBatches, type Load } from "./exam-load.js";
import { cpuMeter, cpuPer, idleCpuMeter, runQueueMeter, spawnReady } from "./processes.js";

/** The baseline's step figures beside the step itself (see `Baseline.side`). */
export interface BaselineStepFigures {
  /** The main threads' run-queue wait, ms per second (echo, load). */
  runQueueWaitMsPerSec: Record<string, number>;
  /**
   * CPU the exam node and its database spent during the step, ms per second: their timers and
   * idle sockets, which share the cores with the baseline's step (both servers stay up through
   * both searches).
   */
  examIdleCpuMsPerSec: { node: number; db: number };
}

export interface Baseline {
  /** Drives the clients on the node's fixed schedule, answering the node's candidates' papers. */
  drive(
    attemptIds: string[],
    k: number,
    intervalMs: number,
    papers: readonly (readonly OfferedQuestion[])[],
  ): Promise<Load>;
  /** The baseline's side of the capacity search: its meters are read inside each of its turns. */
  side(
    send: (sockets: BenchSocket[]) => SendSave,
    stepMs: number,
    report: (step: CapacityStep, figures: BaselineStepFigures) => void,
  ): SearchSide;
  /** One step at `perSec` outside the search (the node's capacity, when the search never offered it). */
  stepAt(
    send: (sockets: BenchSocket[]) => SendSave,
    perSec: number,
    options: CapacityOptions,
    report: (step: CapacityStep, figures: BaselineStepFigures) => void,
    /** Sent at `perSec` this long first, unmeasured (the warm-up of a turn: see `alternateSearches`). */
    warmUpMs?: number,
  ): Promise<CapacityStep>;
  /** [offered saves/s, echo server CPU ms per save, load generator CPU ms per save] of each capacity step. */
  cpuMsPerSave: [number, number, number][];
  /** Mean CPU of the exam node and database per second over the baseline's capacity steps. */
  examIdleCpuMsPerSec(): { node: number; db: number } | null;
  /** The echo server's process, whose idle CPU the node's steps report. */
  echoPid: number | undefined;
  close(): void;
}

/**
 * Starts the echo server (tracked by `children`, which stop it with the benchmark) and connects
 * `n` clients to it. `exam` names the exam node's and the database's processes, whose CPU during the
 * baseline's steps is reported (they stay up through both searches).
 */
export async function startBaseline(run: {
  n: number;
  children: ChildSet;
  exam: { node: number | undefined; db: number | undefined };
}): Promise<Baseline> {
  const echo = await spawnReady(run.children, ["scripts/bench/echo-server.ts"], {}, /READY (\S+)/);
  const sockets: BenchSocket[] = new Array<BenchSocket>(run.n);
  await inBatches(
    Array.from({ length: run.n }, (_, i) => i),
    100,
    async (_x, i) => {
      sockets[i] = await connectClient(echo.match, null);
    },
  );
  // CPU per save of the echo server and of this generator: at the baseline's top steps the
  // generator, on the same two cores, may be what limits it (it limits the node's run equally).
  const cpu = cpuMeter({ node: echo.child.pid, db: undefined });
  const runQueue = runQueueMeter({ echo: echo.child.pid, load: process.pid });
  const examIdle = idleCpuMeter(run.exam);
  const cpuMsPerSave: [number, number, number][] = [];

  /** Reads the meters before a step; the returned function reads them after it and reports. */
  async function metered(stepMs: number, report: (step: CapacityStep, figures: BaselineStepFigures) => void) {
    const before = await cpu.now();
    const waitBefore = await runQueue.now();
    const examIdleOfStep = await examIdle.start();
    return async (st: CapacityStep) => {
      const per = cpuPer(await cpu.since(before), savesOf(st, stepMs));
      cpuMsPerSave.push([st.offeredPerSec, per.node, per.load]);
      report(st, {
        runQueueWaitMsPerSec: await runQueue.perSecondSince(waitBefore),
        examIdleCpuMsPerSec: await examIdleOfStep(),
      });
    };
  }

  return {
    drive(attemptIds, k, intervalMs, papers) {
      const save = (i: number, payload: Parameters<typeof emitAck<"attempt:answer">>[2]) =>
        emitAck(sockets[i] as BenchSocket, "attempt:answer", payload);
      return drive(save, run.n, attemptIds, k, intervalMs, papers);
    },
    side(send, stepMs, report) {
      let finish: ((st: CapacityStep) => Promise<void>) | null = null;
      return {
        send: send(sockets),
        hooks: {
          async before() {
            finish = await metered(stepMs, report);
          },
          async after(st) {
            await finish?.(st);
            finish = null;
          },
        },
      };
    },
    async stepAt(send, perSec, options, report, warmUpMs = 0) {
      if (warmUpMs > 0) await measureAt(send(sockets), perSec, { ...options, stepMs: warmUpMs });
      const finish = await metered(options.stepMs, report);
      const st = await measureAt(send(sockets), perSec, options);
      await finish(st);
      return st;
    },
    cpuMsPerSave,
    echoPid: echo.child.pid,
    examIdleCpuMsPerSec: () => examIdle.mean(),
    close() {
      for (const s of sockets) s.close();
    },
  };
}
