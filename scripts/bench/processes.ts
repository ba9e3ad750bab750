/**
 * The benchmark's own processes: a child started under tsx that reports readiness on stdout
 * (the database stand-in, the exam node, the ack-echo baseline), and a process's resident memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { procStatFields, type ChildSet } from "../child-set.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Starts `node …nodeFlags --import tsx …args` in the repository root, tracked by `children` from
 * the start (a signal while it starts up stops it too); resolves with the first match of `pattern`
 * on stdout.
 */
export function spawnReady(
  children: ChildSet,
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
  nodeFlags: string[] = [],
): Promise<{ child: ChildProcess; match: string }> {
  const child = children.track(
    spawn(process.execPath, [...nodeFlags, "--import", "tsx", ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let err = "";
  child.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m?.[1]) resolve({ child, match: m[1] });
    });
    child.once("exit", (code) => {
      reject(new Error(`${args.join(" ")} exited ${code}: ${err}`));
      // After it was ready (the rejection above is then ignored): a child that failed on its way
      // out, say while stopping, wrote no CPU profile and said why only on its stderr.
      // (A signal is how the bench itself stops a child that has no handler for it.)
      if (code !== null && code !== 0)
        process.stderr.write(`${args[0]} exited ${code}${err ? `; its last output:\n${err}` : ""}\n`);
    });
  });
}

/** Resident memory of a process in KB (0 when unknown). */
export async function rssKB(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/**
 * Fields `ns` (1-based, as proc(5) numbers them) of `/proc/<pid>/stat`, read once, each NaN when
 * it cannot be read: no process watched (a real MongoDB elsewhere has no pid here), one that has
 * exited, or no /proc. NaN, which a JSON line writes as null, rather than 0: a process not
 * measured must not read as one that did nothing.
 */
async function statFields(pid: number | undefined, ...ns: number[]): Promise<number[]> {
  const stat = pid ? await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "") : "";
  const fields = stat ? procStatFields(stat) : [];
  return ns.map((n) => {
    const value = fields[n - 3];
    return value === undefined ? Number.NaN : Number(value);
  });
}

/**
 * CPU time (user + system) a process has used so far, in ms (NaN when unknown: see `statFields`).
 * Differences between phases count work, which a loaded machine does not inflate the way it
 * inflates wall-clock time.
 */
export async function cpuMs(pid: number | undefined): Promise<number> {
  // utime is field 14, stime 15.
  const [user = Number.NaN, system = Number.NaN] = await statFields(pid, 14, 15);
  return ((user + system) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Minor page faults a process has taken so far (NaN when unknown: see `statFields`): each is a page of memory touched
 * for the first time (or again after it was given back). On this machine kind one costs about
 * 15 us, against well under 1 us on bare metal (BENCHMARKS.md, session fifteen), so memory a
 * phase newly touches shows in its CPU.
 */
export async function minorFaults(pid: number | undefined): Promise<number> {
  // minflt is field 10.
  const [faults = Number.NaN] = await statFields(pid, 10);
  return faults;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, on every architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** One figure each of the exam node, the database and this load generator (CPU ms, page faults…). */
export type ProcessSample = { node: number; db: number; load: number };
export type CpuSample = ProcessSample;

/** CPU ms per unit of work (a save, a check-in), to the µs (0.01 ms is 5-10 % of a save): what each process spent on one. */
export function cpuPer(cpu: CpuSample, units: number): CpuSample {
  const per = (ms: number) => Math.round((ms / Math.max(1, units)) * 1000) / 1000;
  return { node: per(cpu.node), db: per(cpu.db), load: per(cpu.load) };
}

/**
 * One reading of the exam node, the database (pid when it runs here) and this load generator,
 * taken now and again later: `since` gives what each added in between.
 */
function processMeter(
  pids: { node: number | undefined; db: number | undefined },
  read: (pid: number | undefined) => Promise<number>,
  own: () => number,
) {
  const now = async (): Promise<ProcessSample> => ({
    node: await read(pids.node),
    db: await read(pids.db),
    load: own(),
  });
  return {
    now,
    async since(before: ProcessSample): Promise<ProcessSample> {
      const after = await now();
      return {
        node: Math.round(after.node - before.node),
        db: Math.round(after.db - before.db),
        load: Math.round(after.load - before.load),
      };
    },
  };
}

/** CPU time (ms) of the exam node, the database (pid when it runs here) and this load generator. */
export function cpuMeter(pids: { node: number | undefined; db: number | undefined }) {
  return processMeter(pids, cpuMs, () => {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1000;
  });
}

/** Minor page faults of the exam node, the database and this load generator (see `minorFaults`). */
export function faultMeter(pids: { node: number | undefined; db: number | undefined }) {
  return processMeter(pids, minorFaults, () => process.resourceUsage().minorPageFault);
}

/**
 * CPU of processes meant to be idle (a server while the other's capacity step runs), per second
 * of each step it is read around and over all of them: `start()` before a step returns the read
 * for after it. Built on `cpuMeter`, whose `node` and `db` name the two processes watched.
 */
export function idleCpuMeter(pids: { node: number | undefined; db: number | undefined }) {
  const cpu = cpuMeter(pids);
  const total = { node: 0, db: 0, seconds: 0 };
  const perSecond = (ms: number, seconds: number) => Math.round(ms / seconds);
  return {
    async start(): Promise<() => Promise<{ node: number; db: number }>> {
      const before = await cpu.now();
      const at = performance.now();
      return async () => {
        const used = await cpu.since(before);
        const seconds = Math.max(0.001, (performance.now() - at) / 1000);
        total.node += used.node;
        total.db += used.db;
        total.seconds += seconds;
        return { node: perSecond(used.node, seconds), db: perSecond(used.db, seconds) };
      };
    },
    /** Mean ms per second over every step read so far; null before the first. */
    mean(): { node: number; db: number } | null {
      if (total.seconds === 0) return null;
      return { node: perSecond(total.node, total.seconds), db: perSecond(total.db, total.seconds) };
    },
  };
}

/**
 * How long each process's main thread was runnable but waiting for a core (the second field of
 * /proc/<pid>/schedstat), as ms per second of wall time since `now()`. On two cores shared by the
 * generator, the node and the database, a step's tail can be a thread that was ready and not run:
 * this tells that apart from a thread that was busy (its CPU) or idle. Processes whose file cannot
 * be read (not Linux, already gone) are left out.
 */
export function runQueueMeter(pids: Record<string, number | undefined>) {
  const read = async (): Promise<{ at: number; waits: Record<string, number> }> => {
    const waits: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) {
      if (!pid) continue;
      const text = await readFile(`/proc/${pid}/schedstat`, "utf8").catch(() => "");
      const waitNs = Number(text.split(" ")[1]);
      if (text && Number.isFinite(waitNs)) waits[name] = waitNs / 1e6;
    }
    return { at: performance.now(), waits };
  };
  return {
    now: read,
    async perSecondSince(before: Awaited<ReturnType<typeof read>>): Promise<Record<string, number>> {
      const after = await read();
      const seconds = Math.max(0.001, (after.at - before.at) / 1000);
      const out: Record<string, number> = {};
      for (const [name, ms] of Object.entries(after.waits)) {
        const was = before.waits[name];
        if (was !== undefined) out[name] = Math.round((ms - was) / seconds);
      }
      return out;
    },
  };
}

/**
 * The longest event-loop delay a child reported (its `LOOP <ms>` lines, see exam-node-process.ts)
 * since the last `take()`.
 */
export function watchLoopDelay(child: ChildProcess): { take(): number } {
  let max = 0;
  child.stdout?.on("data", (d: Buffer) => {
    for (const m of d.toString().matchAll(/^LOOP (\d+)$/gm)) max = Math.max(max, Number(m[1]));
  });
  return {
    take(): number {
      const seen = max;
      max = 0;
      return seen;
    },
  };
}

/**
 * A CPU profile of this process (the load generator) from now until the returned stop, written
 * into `dir` like `--cpu-prof` would: the generator shares the machine, so its time is part of
 * every latency it measures.
 */
export async function profileSelf(dir: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `load-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

interface SlowCommand {
  ms: number;
  command: string;
  collection?: string;
  filterFields?: string[];
  statements?: number;
  inTransaction?: boolean;
}

/** Passes each command the stand-in logged as slow (≥ 100 ms on its thread), and each stall of its loop, to `print`. */
export function watchSlowCommands(child: ChildProcess, print: (line: string) => void): void {
  child.stderr?.on("data", (d: Buffer) => {
    for (const line of d.toString().split("\n")) {
      if (line.includes("event loop stalled")) {
        // CPU far below the wall time: the machine did not run the process; GC: its own collections.
        const s = JSON.parse(line) as Record<string, number | undefined>;
        print(
          `event loop held ${s.ms} ms (in ${s.wallMs ?? "?"} ms: process CPU ${s.cpuMs ?? "?"} ms, GC pauses ${s.gcMs ?? "?"} ms, preempted ${s.preempted ?? "?"}×, major faults ${s.majorFaults ?? "?"})`,
        );
        continue;
      }
      if (!line.includes("slow command")) continue;
      const c = JSON.parse(line) as SlowCommand;
      const fields = JSON.stringify(c.filterFields ?? []);
      print(
        `${c.ms} ms ${c.command} ${c.collection ?? ""} ${fields} ×${c.statements ?? 1}${c.inTransaction ? " (transaction)" : ""}`,
      );
    }
  });
}
