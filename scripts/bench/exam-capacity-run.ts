/**
 * The capacity mode of `bench:exam` (issue 17) as run: the exam node's search and the baseline's,
 * one after the other (`searchesInOrder`) or taking turns (`alternateSearches`,
 * `--capacity-turns`), with each step's figures read just around it: CPU per save of every
 * process, database round trips per save, run-queue waits, loop delays and the idle server's CPU.
 */
import type { IntervalHistogram } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  alternateSearches,
  savesOf,
  searchesInOrder,
  stepAt,
  stepPassed,
  TARGETS,
  type CapacityOptions,
  type CapacityResult,
  type CapacityStep,
  type SearchSide,
  type SendSave,
} from "./exam-capacity.js";
import type { Baseline, BaselineStepFigures } from "./exam-baseline.js";
import type { BenchSocket } from "./bench-socket.js";
import {
  cpuPer,
  idleCpuMeter,
  type cpuMeter,
  type CpuSample,
  type faultMeter,
  type ProcessSample,
  type runQueueMeter,
} from "./processes.js";

/** The node's meters, read around each of its steps. */
export interface NodeMeters {
  cpu: ReturnType<typeof cpuMeter>;
  /** Minor page faults of the same processes. */
  faults: ReturnType<typeof faultMeter>;
  runQueue: ReturnType<typeof runQueueMeter>;
  /** The database's wire messages received so far (serverStatus network.numRequests). */
  dbRequests: () => Promise<number>;
  /** The node's longest loop delay since the last take. */
  loopMax: { take(): number };
  /** This generator's own loop delay. */
  ownDelay: IntervalHistogram;
}

export interface CapacityRun {
  node: CapacityResult;
  baseline: CapacityResult;
  /** The baseline at the node's capacity, measured apart when its search never offered that rate. */
  baselineAtNodeCapacity: CapacityStep | null;
  /** [offered saves/s, node CPU ms per save, database CPU ms per save] of each node step. */
  cpuMsPerSave: [number, number, number][];
  /** [offered saves/s, load generator CPU ms per save] of each node step. */
  loadCpuMsPerSave: [number, number][];
  /** [offered saves/s, database round trips per acknowledged save] of each node step. */
  dbRoundTripsPerSave: [number, number][];
  /** [offered saves/s, minor page faults per save of the node, the database, the generator] of each node step. */
  minorFaultsPerSave: [number, number, number, number][];
  /** The idle echo server's mean CPU per second over the node's steps (its clients' heartbeats). */
  echoIdleCpuMsPerSec: number | null;
  /** [offered saves/s, this generator's longest loop delay in ms] of each node step, in order. */
  loadLoopMaxMs: [number, number][];
  /** The same for each baseline step (the one measured apart at the node's capacity last). */
  baselineLoadLoopMaxMs: [number, number][];
}

/** Quiet before each step of the alternating searches (see `alternateSearches`). */
export const SETTLE_MS = 1_000;

/** The unmeasured send at a turn's own rate before its step (see `alternateSearches`). */
export const WARM_UP_MS = 3_000;

/**
 * This generator's garbage collector, run at the start of each quiet second. The generator holds
 * both servers' clients, and its heap grew to 650-690 MB in the baseline's overloaded top steps
 * (its scavenges 30-74 ms then, its loop held up to 1.2 s): without a collection here that debt
 * fell on the node's next step. The generator is not under test; the servers are never touched.
 */
let loadGc: (() => void) | null = null;
function collectLoadGarbage(): void {
  // Exposed on first use, not at import: only the capacity mode collects.
  if (!loadGc) {
    setFlagsFromString("--expose-gc");
    loadGc = runInNewContext("gc") as () => void;
  }
  loadGc();
}

/** Between two steps: the generator's garbage collected, then a quiet second. */
export async function settle(): Promise<void> {
  collectLoadGarbage();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

export const roundTripsPer = (requests: number, units: number) =>
  Math.round((requests / Math.max(1, units)) * 100) / 100;

export async function runCapacity(run: {
  options: CapacityOptions;
  nodeSend: SendSave;
  meters: NodeMeters;
  baseline: Baseline;
  baselineSend: (sockets: BenchSocket[]) => SendSave;
  /** The searches take turns (`alternateSearches`); otherwise the node's runs first, then the baseline's. */
  turns: boolean;
  progress: (msg: string) => void;
}): Promise<CapacityRun> {
  const { options, meters, progress } = run;
  const out: Omit<CapacityRun, "node" | "baseline" | "baselineAtNodeCapacity" | "echoIdleCpuMsPerSec"> = {
    cpuMsPerSave: [],
    loadCpuMsPerSave: [],
    dbRoundTripsPerSave: [],
    minorFaultsPerSave: [],
    loadLoopMaxMs: [],
    baselineLoadLoopMaxMs: [],
  };
  const echoIdle = idleCpuMeter({ node: run.baseline.echoPid, db: undefined });
  const loadLoopMaxMs = () => Math.round(meters.ownDelay.max / 1e6);
  let before: {
    cpu: CpuSample;
    faults: ProcessSample;
    wait: Awaited<ReturnType<NodeMeters["runQueue"]["now"]>>;
    requests: number;
    echoIdleOfStep: () => Promise<{ node: number }>;
  } | null = null;
  const node: SearchSide = {
    send: run.nodeSend,
    hooks: {
      async before() {
        meters.loopMax.take();
        meters.ownDelay.reset();
        before = {
          cpu: await meters.cpu.now(),
          faults: await meters.faults.now(),
          wait: await meters.runQueue.now(),
          requests: await meters.dbRequests(),
          echoIdleOfStep: await echoIdle.start(),
        };
      },
      async after(st) {
        // The hooks run in pairs (see `withHooks`): a step without its readings is a bug here.
        if (!before) throw new Error("bench:exam: a node step ended that no meter was read before");
        // A step's latencies include this generator's own stalls: its loop delay is printed beside
        // the node's, so a slow step can be told apart from a slow node. CPU per save is the step's
        // work, which the machine's load does not inflate the way it inflates latency.
        const saves = savesOf(st, options.stepMs);
        const perSave = cpuPer(await meters.cpu.since(before.cpu), saves);
        const faultsPerSave = cpuPer(await meters.faults.since(before.faults), saves);
        out.minorFaultsPerSave.push([
          st.offeredPerSec,
          faultsPerSave.node,
          faultsPerSave.db,
          faultsPerSave.load,
        ]);
        out.cpuMsPerSave.push([st.offeredPerSec, perSave.node, perSave.db]);
        out.loadCpuMsPerSave.push([st.offeredPerSec, perSave.load]);
        const roundTrips = roundTripsPer((await meters.dbRequests()) - before.requests, saves);
        out.dbRoundTripsPerSave.push([st.offeredPerSec, roundTrips]);
        const figures = {
          cpuMsPerSave: perSave,
          dbRoundTripsPerSave: roundTrips,
          minorFaultsPerSave: faultsPerSave,
          runQueueWaitMsPerSec: await meters.runQueue.perSecondSince(before.wait),
          nodeLoopMaxMs: meters.loopMax.take(),
          loadLoopMaxMs: loadLoopMaxMs(),
          echoIdleCpuMsPerSec: (await before.echoIdleOfStep()).node,
        };
        out.loadLoopMaxMs.push([st.offeredPerSec, figures.loadLoopMaxMs]);
        progress(`  node ${JSON.stringify({ ...st, ...figures })}`);
        before = null;
      },
    },
  };
  const reportBaseline = (st: CapacityStep, figures: BaselineStepFigures) => {
    const ownMs = loadLoopMaxMs();
    out.baselineLoadLoopMaxMs.push([st.offeredPerSec, ownMs]);
    progress(`  baseline ${JSON.stringify({ ...st, ...figures, loadLoopMaxMs: ownMs })}`);
  };
  const baseline = run.baseline.side(run.baselineSend, options.stepMs, reportBaseline);
  const sides = {
    node,
    baseline: {
      send: baseline.send,
      hooks: {
        before: () => {
          meters.ownDelay.reset();
          return baseline.hooks.before();
        },
        after: (st: CapacityStep) => baseline.hooks.after(st),
      },
    },
  };
  const found = run.turns
    ? await alternateSearches(sides, options, { settle, warmUpMs: WARM_UP_MS })
    : await searchesInOrder(sides, options);
  let baselineAtNodeCapacity: CapacityStep | null = null;
  const nodeRate = found.node.capacitySavesPerSec;
  if (nodeRate > 0 && !stepAt(found.baseline, nodeRate)) {
    progress(`baseline at the node's capacity (${nodeRate}/s)`);
    if (run.turns) await settle();
    meters.ownDelay.reset();
    baselineAtNodeCapacity = await run.baseline.stepAt(
      run.baselineSend,
      nodeRate,
      options,
      reportBaseline,
      run.turns ? WARM_UP_MS : 0,
    );
  }
  const echoIdleCpuMsPerSec = echoIdle.mean()?.node ?? null;
  return { node: found.node, baseline: found.baseline, baselineAtNodeCapacity, echoIdleCpuMsPerSec, ...out };
}

/**
 * The capacity run's own fields of the JSON line, beside the searches' (`capacityFields`): CPU
 * and round trips per save of each step, how the searches were run, and the idle servers' share.
 */
export function capacityRunFields(
  capacity: CapacityRun,
  baseline: Pick<Baseline, "cpuMsPerSave" | "examIdleCpuMsPerSec">,
  turns: boolean,
): Record<string, unknown> {
  return {
    capacityCpuMsPerSave: capacity.cpuMsPerSave,
    capacityDbRoundTripsPerSave: capacity.dbRoundTripsPerSave,
    // Added 2026-12-02 (session fifteen): pages newly touched per save in each node step.
    capacityMinorFaultsPerSave: capacity.minorFaultsPerSave,
    // The generator's own CPU per save, in the node's steps and (with the echo server's) in
    // the baseline's: it shares the two cores with whichever server it drives.
    capacityLoadCpuMsPerSave: capacity.loadCpuMsPerSave,
    baselineCapacityCpuMsPerSave: baseline.cpuMsPerSave,
    // Added with --capacity-turns (2026-12-02): true when the searches took turns. Since
    // then both servers' clients stay connected through both searches (their idle cost is
    // below); before, the node's clients were closed before the baseline's search.
    capacitySearchesAlternate: turns,
    // With --capacity-turns only: the quiet second before each step, the generator's own
    // collection at its start, and (since capacityWarmUpMs) the unmeasured warm-up after it.
    capacitySettleMs: turns ? SETTLE_MS : 0,
    capacitySettleCollectsLoadGarbage: turns,
    capacityWarmUpMs: turns ? WARM_UP_MS : 0,
    // What the idle exam node and its database spent per second during the baseline's
    // steps (timers, idle sockets): their share of the cores the baseline ran on.
    baselineStepsExamIdleCpuMsPerSec: baseline.examIdleCpuMsPerSec(),
    // And the idle echo server's during the node's steps.
    nodeStepsEchoIdleCpuMsPerSec: capacity.echoIdleCpuMsPerSec,
    // Added 2026-12-03 (session twenty-one): this generator's longest loop delay in each step, and
    // how many of each search's failing steps had it held past the p99 limit. A search whose
    // failing steps all had the generator held ended on the generator, not on its server: on the
    // slower machine of that session the baseline's did, which raised the ratio.
    capacityLoadLoopMaxMs: capacity.loadLoopMaxMs,
    baselineCapacityLoadLoopMaxMs: capacity.baselineLoadLoopMaxMs,
    capacityFailuresWithGeneratorHeld: {
      node: failuresWithGeneratorHeld(capacity.node.steps, capacity.loadLoopMaxMs),
      baseline: failuresWithGeneratorHeld(capacity.baseline.steps, capacity.baselineLoadLoopMaxMs),
    },
  };
}

/**
 * Of a search's failing steps, how many had this generator's own loop held longer than the p99
 * limit: its saves' latencies then include its own pause, so such a step cannot tell whether the
 * server kept up. `loadLoop` holds one entry per step in the order they ran (a trailing extra
 * entry, the baseline's step at the node's capacity, is not a step of the search); an entry whose
 * rate is not its step's is a bug in the caller and is refused.
 */
export function failuresWithGeneratorHeld(
  steps: CapacityStep[],
  loadLoop: [number, number][],
  limitMs = TARGETS.ackP99Ms,
): { failed: number; generatorHeld: number } {
  let failed = 0;
  let generatorHeld = 0;
  steps.forEach((step, i) => {
    const [rate, heldMs] = loadLoop[i] ?? [Number.NaN, 0];
    if (rate !== step.offeredPerSec)
      throw new Error(
        `bench:exam: step ${i} ran at ${step.offeredPerSec}/s, its loop reading is for ${rate}/s`,
      );
    if (stepPassed(step, { p99LimitMs: limitMs })) return;
    failed += 1;
    if (heldMs > limitMs) generatorHeld += 1;
  });
  return { failed, generatorHeld };
}
