/**
 * The bare socket.io ack-echo baseline of `bench:exam`: the same N clients, the same fixed
 * schedule and (with `--capacity`) the same capacity search as the exam node, against a server
 * that only acknowledges. What the node achieves is read against it.
 */
import type { ChildProcess } from "node:child_process";
import { findCapacity, type CapacityOptions, type CapacityResult, type SendSave } from "./exam-capacity.js";
import { connectClient, emitAck, type BenchSocket } from "./bench-socket.js";
import { drive, inBatches, type Load } from "./exam-load.js";
import { spawnReady } from "./processes.js";

export interface BaselineRun {
  load: Load;
  capacity: CapacityResult | null;
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
  capacity: { options: CapacityOptions; save: (sockets: BenchSocket[]) => SendSave } | null;
  onStep: (step: CapacityResult["steps"][number]) => void;
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
  if (run.capacity) {
    run.progress("capacity mode: bare socket.io ack-echo baseline");
    capacity = await findCapacity(run.capacity.save(sockets), run.capacity.options, run.onStep);
  }
  for (const s of sockets) s.close();
  return { load, capacity };
}
