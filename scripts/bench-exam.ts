/**
 * `npm run bench:exam -- --candidates N [--answers K] [--room 100]`
 *
 * Exam-delivery load benchmark (issue 6). Starts the database (MONGODB_URI, else the stand-in in
 * its own process) and an exam node in its own process, creates N candidates in rooms of `--room`,
 * checks them all in (papers assembled from the sample banks), releases every room at once and
 * measures how long until every candidate holds its paper. Each candidate then answers one
 * question every 10 s with sequence numbers (K answers, first answers spread over the first 10 s),
 * keeps unacknowledged saves in a journal and retries them, and submits with its last seq. "lost"
 * counts final choices missing from the database afterwards.
 *
 * The same N clients then drive a bare socket.io ack-echo server with the same schedule: its
 * throughput is the baseline, `ratio` = savesPerSec / baselineSavesPerSec.
 *
 * `--capacity` (issue 17) then raises the offered save rate step by step (from `--capacity-start`
 * saves/s, ×1.5 per `--capacity-step-ms` step, open-loop) for the node and then for the baseline
 * (with `--capacity-turns`, a step of each in turn, each after a quiet second and a 3-s warm-up), until
 * ack p99 passes 100 ms or a save fails, bisects between the last passing and the first failing
 * rate until they are within `--capacity-refine` (10%) (a step failing on latency alone is run
 * `--capacity-confirm` (1) more time before its rate counts as failed), and adds `capacitySavesPerSec`,
 * `baselineCapacitySavesPerSec`, `capacityRatio` and the baseline's p50/p99 at the node's capacity
 * (a step of its own when the baseline's search did not offer that rate).
 * At 5,000 candidates or more the line says target by target whether issue 17's targets are met.
 *
 * Prints one JSON line and appends it to BENCHMARKS.md (to `--line-file` instead when given). The
 * load generator runs on the same machine as the servers, so latencies include its own CPU
 * contention.
 */
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import path from "node:path";
import type { CandidateAttemptDto } from "../server/contracts/exams.js";
import type { CandidateQuestion } from "../server/contracts/paper.js";
import { watchStalls } from "@roadcert/mongo-standin";
import { pino } from "pino";
import { connectMongo } from "../server/lib/mongo.js";
import { capacityFields, targetsMet, TARGETS, type CapacityOptions } from "./bench/exam-capacity.js";
import { changedSettings, examBenchCommandLine, logSlowAcks } from "./bench/exam-options.js";
import { appendLine } from "./bench/bench-args.js";
import { checkInAll, connectCandidates, connectProctor, createRooms } from "./bench/exam-candidates.js";
import { emitAck, type BenchSocket } from "./bench/bench-socket.js";
import { startBaseline } from "./bench/exam-baseline.js";
import { startExamServers } from "./bench/exam-servers.js";
import {
  capacityRunFields,
  roundTripsPer,
  runCapacity,
  type CapacityRun,
} from "./bench/exam-capacity-run.js";
import { countLost, drive, inBatches, percentile, resaver, type Save } from "./bench/exam-load.js";
import {
  cpuMeter,
  faultMeter,
  runQueueMeter,
  cpuPer,
  profileSelf,
  rssKB,
  watchLoopDelay,
} from "./bench/processes.js";
import { benchChildren } from "./child-set.js";

const { values, lineFile } = examBenchCommandLine();

// With --profile each line also carries the monotonic clock in µs, the time base of the CPU
// profiles, so a profile can be cut into the phases of the run.
const progress = (msg: string) =>
  process.stderr.write(
    `[bench:exam ${new Date().toISOString().slice(11, 19)}${values.profile ? ` mono=${process.hrtime.bigint() / 1000n}` : ""}] ${msg}\n`,
  );

async function main(): Promise<void> {
  const n = values.candidates;
  const k = values.answers;
  const roomSize = values.room;
  const intervalMs = values["interval-ms"];
  // The stand-in, the exam node and the echo server stop with this process, however it ends.
  const children = benchChildren("bench:exam");
  const stopProfile = values.profile ? await profileSelf(path.resolve(values.profile, "load")) : null;
  if (values["load-gc-log"])
    watchStalls({
      logger: pino({ level: "silent" }),
      stalls: true,
      gcLogFile: values["load-gc-log"],
    });

  // The database and the exam node, each in its own process (exam-servers.ts).
  const { mongoUri, dbKind, dbPid, dbName, node } = await startExamServers(children, values, progress);
  const url = node.match;
  const loopMax = watchLoopDelay(node.child);
  const ownDelay = monitorEventLoopDelay({ resolution: 10 });
  ownDelay.enable();
  const exam = { node: node.child.pid, db: dbPid };
  const cpu = cpuMeter(exam);
  const faults = faultMeter(exam);
  const runQueue = runQueueMeter({ ...exam, load: process.pid });
  const conn = await connectMongo(mongoUri, { dbName });
  // The database's own operation counters (serverStatus opcounters: documents inserted, update and
  // delete statements, queries, other commands), read between phases: operations per candidate.
  const dbOps = async (): Promise<number> => {
    const status = (await conn.db?.admin().command({ serverStatus: 1 })) as
      { opcounters?: Record<string, unknown> } | undefined;
    return Object.values(status?.opcounters ?? {}).reduce<number>((sum, v) => sum + Number(v), 0);
  };
  // Round trips: wire messages the database received (serverStatus network.numRequests), where
  // opcounters count a bulk write's statements one by one. This run's own serverStatus reads are
  // among them (one per reading, negligible per candidate).
  const dbRequests = async (): Promise<number> => {
    const status = (await conn.db?.admin().command({ serverStatus: 1 })) as
      { network?: { numRequests?: unknown } } | undefined;
    return Number(status?.network?.numRequests ?? 0);
  };

  // Rooms, proctors, check-in (papers assembled here, outside the timed part).
  const rooms = await createRooms(conn, n, roomSize);
  const proctor = await connectProctor(url);
  progress(`checking in ${n} candidates`);
  const opsBeforeCheckIn = await dbOps();
  const requestsBeforeCheckIn = await dbRequests();
  const cpuBeforeCheckIn = await cpu.now();
  const checkInStart = Date.now();
  await checkInAll(proctor, rooms);
  const checkInMs = Date.now() - checkInStart;
  const checkInCpuMs = await cpu.since(cpuBeforeCheckIn);
  const opsAfterCheckIn = await dbOps();
  const requestsAfterCheckIn = await dbRequests();
  progress(`checked in ${n} candidates in ${checkInMs} ms`);
  const rssBefore = await rssKB(node.child.pid);

  const connectStart = Date.now();
  const { sockets, attemptIds } = await connectCandidates(url, rooms);
  const connectSyncMs = Date.now() - connectStart;
  const opsAfterSync = await dbOps();
  const requestsAfterSync = await dbRequests();
  progress(`${n} candidates connected and synced in ${connectSyncMs} ms`);
  // Release every room together; time until every candidate holds its paper.
  // Each candidate's paper as it arrives: the generator answers with keys its questions offer.
  const papers: CandidateQuestion[][] = sockets.map(() => []);
  const got = sockets.map(
    (s, i) =>
      new Promise<void>((resolve) =>
        s.once("attempt:started", (v: CandidateAttemptDto) => {
          papers[i] = v.questions ?? [];
          resolve();
        }),
      ),
  );
  progress("releasing every room");
  const cpuBeforeRelease = await cpu.now();
  const faultsBeforeRelease = await faults.now();
  loopMax.take();
  const releaseAt = Date.now();
  await Promise.all(
    rooms.map((r) => emitAck(proctor, "proctor:release", { sessionId: r.sessionId }, 120_000)),
  );
  await Promise.all(got);
  const startAllPapersMs = Date.now() - releaseAt;
  const releaseLoopMaxMs = loopMax.take();
  const releaseCpuMs = await cpu.since(cpuBeforeRelease);
  const releaseMinorFaults = await faults.since(faultsBeforeRelease);
  const opsAfterRelease = await dbOps();
  const requestsAfterRelease = await dbRequests();

  progress(`all papers delivered ${startAllPapersMs} ms after release; answering`);
  const saveOn =
    (on: BenchSocket[]): Save =>
    (i, payload) =>
      emitAck(on[i] as BenchSocket, "attempt:answer", payload);
  const cpuBeforeSaves = await cpu.now();
  const faultsBeforeSaves = await faults.now();
  const load = await drive(saveOn(sockets), n, attemptIds, k, intervalMs, papers);
  const saveCpuMs = await cpu.since(cpuBeforeSaves);
  const saveMinorFaults = await faults.since(faultsBeforeSaves);
  const savesLoopMaxMs = loopMax.take();
  progress(`exam node: ${load.saves} saves acknowledged`);
  const opsAfterSaves = await dbOps();
  const requestsAfterSaves = await dbRequests();
  // Capacity: re-saves of each candidate's own answers (same choices, newer seqs), so the
  // "lost" check below still compares against what the scheduled run intended.
  const nextSeq = sockets.map(() => k + 1);
  const capacityOptions: CapacityOptions = {
    candidates: n,
    startPerSec: values["capacity-start"],
    factor: 1.5,
    stepMs: values["capacity-step-ms"],
    p99LimitMs: TARGETS.ackP99Ms,
    maxPerSec: values["capacity-max"],
    refineWithin: values["capacity-refine"],
    confirmFailures: values["capacity-confirm"],
  };
  const capacitySave = (save: Save, seqs: number[]) => resaver(save, seqs, load.intended, attemptIds, k);

  // Baseline: a bare ack-echo server, its own N clients and the same fixed schedule. It comes up
  // beside the node (whose sockets stay open, idle) so that the capacity searches can take turns.
  const baselineServer = await startBaseline({
    n,
    children,
    exam,
  });
  ownDelay.reset();
  const base = await baselineServer.drive(attemptIds, k, intervalMs, papers);
  progress(`baseline: ${base.saves} saves acknowledged`);

  let capacity: CapacityRun | null = null;
  if (values.capacity) {
    progress(
      values["capacity-turns"]
        ? "capacity mode: the exam node and the bare socket.io ack-echo baseline, a step of each in turn"
        : "capacity mode: the exam node, then the bare socket.io ack-echo baseline",
    );
    capacity = await runCapacity({
      options: capacityOptions,
      nodeSend: logSlowAcks(capacitySave(saveOn(sockets), nextSeq), values),
      meters: { cpu, faults, runQueue, dbRequests, loopMax, ownDelay },
      baseline: baselineServer,
      baselineSend: (on) =>
        capacitySave(
          saveOn(on),
          on.map(() => k + 1),
        ),
      turns: values["capacity-turns"],
      progress,
    });
  }
  const rssAfter = await rssKB(node.child.pid);

  // Submit and count what is missing from the database.
  await inBatches(sockets, 100, async (s, i) => {
    await emitAck(
      s,
      "attempt:submit",
      { attemptId: attemptIds[i] ?? "", lastSeq: (nextSeq[i] ?? k + 1) - 1 },
      60_000,
    ).catch(() => undefined);
  });
  progress("submitted");
  const lost = await countLost(conn, attemptIds, load.intended);
  for (const s of sockets) s.close();
  proctor.close();
  baselineServer.close();

  const sorted = [...load.latencies].sort((a, b) => a - b);
  const savesPerSec = load.saves / (load.durationMs / 1000);
  const baselineSavesPerSec = base.saves / (base.durationMs / 1000);
  const settings = changedSettings(values);
  const line = {
    candidates: n,
    db: dbKind,
    startAllPapersMs,
    saves: load.saves,
    savesPerSec: Math.round(savesPerSec * 10) / 10,
    ackP50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
    ackP95Ms: Math.round(percentile(sorted, 95) * 10) / 10,
    ackP99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
    lost,
    baselineSavesPerSec: Math.round(baselineSavesPerSec * 10) / 10,
    ratio: Math.round((savesPerSec / baselineSavesPerSec) * 100) / 100,
    rssPerCandidateKB: Math.round((rssAfter - rssBefore) / n),
    // The first answer round follows the release burst; later rounds show the steady state.
    ackP99SteadyMs:
      Math.round(
        percentile(
          [...load.steady].sort((a, b) => a - b),
          99,
        ) * 10,
      ) / 10,
    loadAvg1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    connectSyncMs,
    // The node's longest event-loop delay while papers went out and during the scheduled saves,
    // and the CPU time each process spent on the release (work, whatever the machine's load).
    nodeLoopMaxMs: { release: releaseLoopMaxMs, saves: savesLoopMaxMs },
    releaseCpuMs,
    // CPU per check-in (ms) of the node, the database and this generator: work, whatever the load.
    checkInCpuMsPer: cpuPer(checkInCpuMs, n),
    // CPU per acknowledged save (ms) in the scheduled saves (background work of the phase included)
    // and in each capacity step.
    saveCpuMsPer: cpuPer(saveCpuMs, load.saves),
    // Added 2026-12-02 (session fifteen): pages each process touched for the first time in the
    // release and per save, which cost about 15 us each on this machine kind (see minorFaults).
    releaseMinorFaults,
    saveMinorFaultsPer: cpuPer(saveMinorFaults, load.saves),
    ...(capacity ? capacityRunFields(capacity, baselineServer, values["capacity-turns"]) : {}),
    ...capacityFields(
      capacity?.node ?? null,
      capacity?.baseline ?? null,
      capacity?.baselineAtNodeCapacity,
      capacityOptions.refineWithin,
      capacityOptions.confirmFailures,
    ),
    ...(n >= 5_000
      ? {
          targets5000: targetsMet(
            startAllPapersMs,
            percentile(sorted, 99),
            lost,
            connectSyncMs,
            capacity?.node ?? null,
            capacity?.baseline ?? null,
            Object.keys(settings).length === 0,
          ),
        }
      : {}),
    // Database operations (opcounters) per check-in, per connect-and-sync, per released
    // candidate and per acknowledged save, background tasks of the node included.
    dbOpsPer: {
      checkIn: Math.round(((opsAfterCheckIn - opsBeforeCheckIn) / n) * 10) / 10,
      sync: Math.round(((opsAfterSync - opsAfterCheckIn) / n) * 10) / 10,
      release: Math.round(((opsAfterRelease - opsAfterSync) / n) * 10) / 10,
      save: Math.round(((opsAfterSaves - opsAfterRelease) / Math.max(1, load.saves)) * 10) / 10,
    },
    // Database round trips (wire messages) per check-in, sync, released candidate and save: a
    // group-committed bulk write is one, however many saves it carries.
    dbRoundTripsPer: {
      checkIn: roundTripsPer(requestsAfterCheckIn - requestsBeforeCheckIn, n),
      sync: roundTripsPer(requestsAfterSync - requestsAfterCheckIn, n),
      release: roundTripsPer(requestsAfterRelease - requestsAfterSync, n),
      save: roundTripsPer(requestsAfterSaves - requestsAfterRelease, load.saves),
    },
    answersPerCandidate: k,
    intervalMs,
    checkInMs,
    node: "exam-delivery node (exams+proctoring, fixture scheduling, sample-bank papers)",
    // Added 2026-12-03 (session twenty-one): the options that changed what was measured ({}: none).
    changedSettings: settings,
    at: new Date().toISOString(),
  };
  await stopProfile?.();
  const json = JSON.stringify(line);
  process.stdout.write(`${json}\n`);
  await appendLine(lineFile, json);
  await conn.dropDatabase().catch(() => undefined);
  await conn.close();
  // Waits for the stand-in, the node and the echo server to stop (as bench:hub and bench:exchange
  // wait for theirs): with --profile each writes its CPU profile as it exits, several megabytes
  // at 1,000 candidates, and the run used to return before those files were there.
  const killed = await children.stopAll(values.profile ? 120_000 : 5_000);
  if (killed > 0 && values.profile)
    progress(
      `${killed} of the processes did not stop in time and were killed: their CPU profiles are missing`,
    );
  process.exit(0);
}

await main();
