import { createWriteStream } from "node:fs";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import type { Logger } from "pino";

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * The CLI's diagnostics of a held event loop. Every client waits while the single thread is held;
 * a stall between commands (a garbage collection, or the machine not running this process)
 * appears in no command's time, hence the loop's own delay, checked every second.
 *
 * Each stall is logged with what the process did in that second: the wall time it lasted, the CPU
 * time the process used (all its threads; far below the wall time means the machine did not run
 * it), the time its garbage collections paused the thread, how often the kernel preempted it
 * (involuntary context switches: other processes wanted the cores) and its major page faults
 * (waiting for memory to be read back in). With `gcLogFile` every collection
 * is also appended there as one JSON line (wall time, kind, pause, heap after), beside the stalls:
 * a file and not stdout, which the benchmark that spawns this process keeps in memory.
 */
export function watchStalls(options: { logger: Logger; stalls?: boolean; gcLogFile?: string }): void {
  const file = options.gcLogFile ? createWriteStream(options.gcLogFile, { flags: "a" }) : null;
  let gcMs = 0;
  new PerformanceObserver((list) => {
    const heapMB = round1(process.memoryUsage().heapUsed / 1e6);
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      if (!file) continue;
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      const at = new Date(performance.timeOrigin + e.startTime).toISOString();
      file.write(`${JSON.stringify({ at, gc: GC_KINDS[kind] ?? kind, ms: round1(e.duration), heapMB })}\n`);
    }
  }).observe({ entryTypes: ["gc"] });
  if (!options.stalls) return;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const sample = () => {
    const r = process.resourceUsage();
    return {
      wall: performance.now(),
      cpu: process.cpuUsage(),
      gcMs,
      preempted: r.involuntaryContextSwitches,
      faults: r.majorPageFault,
    };
  };
  let last = sample();
  setInterval(() => {
    const ms = Math.round(delay.max / 1e6);
    delay.reset();
    const now = sample();
    if (ms >= 100) {
      const cpu = process.cpuUsage(last.cpu);
      const seen = {
        ms,
        wallMs: Math.round(now.wall - last.wall),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        gcMs: Math.round(now.gcMs - last.gcMs),
        preempted: now.preempted - last.preempted,
        majorFaults: now.faults - last.faults,
      };
      options.logger.warn(seen, "mongo-standin: event loop stalled");
      file?.write(`${JSON.stringify({ at: new Date().toISOString(), stall: seen })}\n`);
    }
    last = now;
  }, 1000).unref();
}
