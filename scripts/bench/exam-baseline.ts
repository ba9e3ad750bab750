/**
 * The bare socket.io ack-echo baseline of `bench:exam`: the same N clients, the same fixed
 * schedule and (with `--capacity`) the same capacity search as the exam node, against a server
 * that only acknowledges. What the node achieves is read against it.
 */
import type { ChildProcess } from "node:child_process";
import {
  findCapacity,
  measureAt,
  stepAt,
  type CapacityOptions,
  type CapacityResult,
  type CapacityStep,
  type SendSave,
} from "./exam-capacity.js";
import { connectClient, emitAck, type BenchSocket } from "./bench-socket.js";
import { drive, inBatches, type Load } from "./exam-load.js";
import { cpuMeter, cpuPer, runQueueMeter, spawnReady } from "./processes.js";

export interface BaselineRun {
  load: Load;
  capacity: CapacityResult | null;
  /** The baseline at the node's capacity, measured apart when its own search did not offer that rate. */
  atNodeCapacity: CapacityStep | null;
  /** [offered saves/s, echo server CPU ms per save, load generator CPU ms per save] of each capacity step. */
  cpuMsPerSave: [number, number, number][];
}

/**
 * Starts the echo server (added to `children`, which the caller stops), connects `n` clients and
 * drives them like the node's run; `capacitySave` turns the clients into the capacity search's
 * sender when the capacity mode is on.
 */
export async function runBaseline(run: {
  n: number;
  attemptIds: string[];
  k: number;
  intervalMs: number;
  questions: number;
  children: ChildProcess[];
  capacity: {
    options: CapacityOptions;
    save: (sockets: BenchSocket[]) => SendSave;
    /** The node's capacity: the baseline is measured at that offered rate too. */
    nodeCapacitySavesPerSec: number;
  } | null;
  /** Called after each capacity step with the main threads' run-queue wait (ms per second: echo, load). */
  onStep: (step: CapacityResult["steps"][number], runQueueWaitMsPerSec: Record<string, number>) => void;
  progress: (msg: string) => void;
}): Promise<BaselineRun> {
  const echo = await spawnReady(["scripts/bench/echo-server.ts"], {}, /READY (\S+)/);
  run.children.push(echo.child);
  const sockets: BenchSocket[] = new Array<BenchSocket>(run.n);
  await inBatches(
    Array.from({ length: run.n }, (_, i) => i),
    100,
    async (_x, i) => {
      sockets[i] = await connectClient(echo.match, null);
    },
  );
  const save = (i: number, payload: Parameters<typeof emitAck<"attempt:answer">>[2]) =>
    emitAck(sockets[i] as BenchSocket, "attempt:answer", payload);
  const load = await drive(save, run.n, run.attemptIds, run.k, run.intervalMs, run.questions);
  let capacity: CapacityResult | null = null;
  let atNodeCapacity: CapacityStep | null = null;
  const cpuMsPerSave: [number, number, number][] = [];
  if (run.capacity) {
    run.progress("capacity mode: bare socket.io ack-echo baseline");
    // CPU per save of the echo server and of this generator: at the baseline's top steps the
    // generator, on the same two cores, may be what limits it (it limits the node's run equally).
    const cpu = cpuMeter({ node: echo.child.pid, db: undefined });
    const runQueue = runQueueMeter({ echo: echo.child.pid, load: process.pid });
    let before = await cpu.now();
    let waitBefore = await runQueue.now();
    const sendSave = run.capacity.save(sockets);
    const perStep = async (st: CapacityStep) => {
      const saves = Math.round((st.offeredPerSec * (run.capacity?.options.stepMs ?? 0)) / 1000) - st.failed;
      const per = cpuPer(await cpu.since(before), saves);
      cpuMsPerSave.push([st.offeredPerSec, per.node, per.load]);
      run.onStep(st, await runQueue.perSecondSince(waitBefore));
      before = await cpu.now();
      waitBefore = await runQueue.now();
    };
    capacity = await findCapacity(sendSave, run.capacity.options, perStep);
    const nodeRate = run.capacity.nodeCapacitySavesPerSec;
    if (nodeRate > 0 && !stepAt(capacity, nodeRate)) {
      run.progress(`baseline at the node's capacity (${nodeRate}/s)`);
      atNodeCapacity = await measureAt(sendSave, nodeRate, run.capacity.options);
      await perStep(atNodeCapacity);
    }
  }
  for (const s of sockets) s.close();
  return { load, capacity, atNodeCapacity, cpuMsPerSave };
}
