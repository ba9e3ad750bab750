/**
 * `npm run bench:hub -- --records N [--provinces 4] [--concurrency 2] [--batch 500] [--lookups 1000]
 *   [--standin-process] [--preload N] [--profile DIR] [--line-file FILE]`
 *
 * Hub benchmark (issue 12). Starts a hub node in its own process (`scripts/node.ts`, its embedded
 * database unless MONGODB_URI is set), registers P province node keys through the operator API,
 * publishes N signed records through the collection interface from `concurrency` clients per
 * province (every request and answer signed and checked), then measures lookups by ID number
 * (signed, with officer, reason and case). Prints one JSON line and appends it to BENCHMARKS.md
 * (to `--line-file` instead when given):
 * `{records, db, ingestPerSec, lookupP50Ms, lookupP99Ms, hubRssMB, …}`. The load generator shares
 * the machine with the hub, so its own signing CPU is in the figures. `cpuMsPerRecord` and
 * `cpuMsPerLookup` count the CPU time each process spent per unit of work, which a loaded machine
 * inflates far less than wall time.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import type {
  CollectionReceipt,
  HubIdentityDto,
  LookupAnswer,
  QualificationRecord,
} from "../server/contracts/hub.js";
import { makeIdNumber } from "../server/lib/id-number.js";
import {
  createNodeClient,
  generateNodeKey,
  publicKeyFromX,
  toUpdateTime,
  type NodeClient,
} from "../server/sharing/index.js";
import { demoPassword } from "./demo-password.js";
import { fetchHubIdentity, operatorSession } from "./demo-hub-registration.js";
import { MongoClient } from "mongodb";
import { cpuMeter, profileSelf, rssKB, spawnReady } from "./bench/processes.js";
import { percentile } from "./bench/exam-load.js";
import { startBenchHub } from "./bench/hub-process.js";
import { benchChildren } from "./child-set.js";
import { appendLine, benchCommandLine, count, filePath } from "./bench/bench-args.js";

const OPTIONS = {
  records: { type: "string", default: "10000" },
  provinces: { type: "string", default: "4" },
  concurrency: { type: "string", default: "2" },
  batch: { type: "string", default: "500" },
  lookups: { type: "string", default: "1000" },
  /** Writes V8 CPU profiles of the hub, the stand-in (with --standin-process) and this client into this folder. */
  profile: { type: "string" },
  /**
   * Runs the stand-in in a process of its own (as mongod would be) instead of inside the hub, so
   * the hub's and the database's CPU are counted apart.
   */
  "standin-process": { type: "boolean", default: false },
  /**
   * Practitioners written straight into the hub's pointer index through the driver before the
   * run (no signature, no collection interface), so lookups can be measured over an index far
   * larger than this machine can ingest in a session. Needs --standin-process or MONGODB_URI.
   */
  preload: { type: "string", default: "0" },
} as const;
const { values, lineFile } = benchCommandLine(
  "bench:hub",
  OPTIONS,
  z
    .object({
      records: count(1),
      // As many provinces as the bench has codes for; a larger count was cut to 8 without a word.
      provinces: count(1, 8),
      concurrency: count(1),
      // The collection interface's own limit on a batch.
      batch: count(1, 500),
      lookups: count(1),
      profile: filePath,
      "standin-process": z.boolean(),
      preload: count(0),
    })
    .refine((o) => o.preload === 0 || o["standin-process"] || Boolean(process.env.MONGODB_URI), {
      path: ["preload"],
      message: "needs --standin-process or MONGODB_URI (the bench writes the index through a driver)",
    }),
);
const N = values.records;
const P = values.provinces;
const C = values.concurrency;
const BATCH = values.batch;
const LOOKUPS = values.lookups;
const PRELOAD = values.preload;
const PROVINCES = ["320000", "110000", "330000", "440000", "510000", "310000", "120000", "500000"].slice(
  0,
  P,
);
const progress = (msg: string) =>
  process.stderr.write(`[bench:hub ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const noLog = { append: () => Promise.resolve(null as never) };
/** Node flags for a child: with --profile a CPU profile in a folder of its own. */
const profiled = (name: string): string[] =>
  values.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values.profile, name)}`] : [];

/** The hub's database on a database the bench reaches itself (stand-in process or MONGODB_URI). */
const HUB_DB = "roadcert";

/** Birth dates the bench spreads practitioners over: 1960-01-01 and the 14,600 days after it. */
const BIRTH_DAYS = 14_600;
const BIRTH_FROM = Date.UTC(1960, 0, 1);

/**
 * Record `i` of a province: a practitioner of their own (birth date and sequence number from `i`,
 * distinct for 14.6 million records per province), so N records fill the pointer index with N
 * practitioners. Before 2026-12-01 the generator repeated a person every 840 records (each held
 * several certificates), so lines before then looked up a far smaller index.
 */
function benchIdNumber(province: string, i: number, county = "0102"): string {
  const birthDate = new Date(BIRTH_FROM + (i % BIRTH_DAYS) * 86_400_000).toISOString().slice(0, 10);
  return makeIdNumber(`${province.slice(0, 2)}${county}`, birthDate, 1 + (Math.floor(i / BIRTH_DAYS) % 999));
}

/** Preloaded practitioner `i`: born in another county than published ones, so the two never collide. */
const preloadedIdNumber = (i: number) => benchIdNumber(PROVINCES[i % P]!, Math.floor(i / P), "0105");

/**
 * Writes `count` pointer entries (what a lookup by ID number reads) straight into the hub's
 * database, in batches, as the collection interface would have left them for one certificate each.
 */
async function preload(uri: string, count: number): Promise<void> {
  const client = await new MongoClient(uri).connect();
  try {
    const pointers = client.db(HUB_DB).collection("hub_practitioners");
    const at = new Date();
    for (let from = 0; from < count; from += 10_000) {
      const docs = Array.from({ length: Math.min(10_000, count - from) }, (_, k) => {
        const idNumber = preloadedIdNumber(from + k);
        return {
          idNumber,
          name: "预载人员",
          homeProvince: PROVINCES[(from + k) % P]!,
          categories: ["02001"],
          certificateNumber: idNumber,
          certificateStatus: "valid",
          validTo: "2030-01-09",
          version: 1,
          recordHash: "0".repeat(64),
          lastSeq: 0,
          filedWith: [],
          updatedAt: at,
        };
      });
      await pointers.insertMany(docs, { ordered: false });
      if ((from / 10_000) % 10 === 9) progress(`preloaded ${from + docs.length}`);
    }
  } finally {
    await client.close();
  }
}

function record(province: string, i: number): QualificationRecord {
  const idNumber = benchIdNumber(province, i);
  return {
    recordId: `bench:${province}:${i}`,
    recordType: "certificate",
    sourceProvince: province,
    operation: "add",
    state: "valid",
    updateTime: toUpdateTime(new Date(Date.now() - 3600_000)),
    version: 1,
    practitioner: { idNumber, name: "测试人员" },
    categories: ["02001"],
    issuingDivision: province,
    certificate: {
      certificateNumber: idNumber,
      status: "valid",
      issuingAuthority: "交通运输厅",
      firstIssueDate: "2024-01-10",
      issueDate: "2024-01-10",
      validFrom: "2024-01-10",
      validTo: "2030-01-09",
    },
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-hub-"));
  const stopProfile = values.profile ? await profileSelf(path.resolve(values.profile, "client")) : null;
  if (values["standin-process"]) mkdirSync(path.join(dataDir, "standin"));
  // The stand-in and the hub stop with this process, however it ends (a signal skips `finally`).
  const children = benchChildren("bench:hub");
  const db = values["standin-process"]
    ? await spawnReady(
        children,
        ["packages/mongo-standin/src/cli.ts", "--port", "0", "--data-dir", path.join(dataDir, "standin")],
        {},
        /(mongodb:\/\/\S+)/,
        profiled("standin"),
      )
    : null;
  const dbUri = db?.match ?? process.env.MONGODB_URI ?? null;
  const { child, ready } = await startBenchHub({
    children,
    nodeName: "bench-hub",
    dataDir,
    nodeFlags: profiled("hub"),
    mongo: db ? { uri: db.match, dbName: HUB_DB } : null,
  });
  const cpu = cpuMeter({ node: child.pid, db: db?.child.pid });
  // Round trips: wire messages the database received (serverStatus network.numRequests), read
  // through a client of the bench's own where it reaches the database (its own reads are counted
  // too, two per phase, and the driver's heartbeats: negligible per batch or lookup).
  const statusClient = dbUri ? await new MongoClient(dbUri).connect() : null;
  const dbRequests = async (): Promise<number | null> => {
    if (!statusClient) return null;
    const status = await statusClient.db("admin").command({ serverStatus: 1 });
    return Number((status as { network?: { numRequests?: unknown } }).network?.numRequests ?? 0);
  };
  const perUnit = (from: number | null, to: number | null, units: number) =>
    from === null || to === null ? null : Math.round(((to - from) / Math.max(1, units)) * 100) / 100;
  try {
    progress(`hub up at ${ready.url} on ${ready.database.kind}`);
    const identity: HubIdentityDto = await fetchHubIdentity(ready.url);
    const peer = {
      name: "hub",
      url: ready.url,
      keyId: identity.keyId,
      publicKey: publicKeyFromX(identity.publicKey),
    };
    const session = await operatorSession(ready.url, "hub_operator", await demoPassword(dataDir));
    const clients = new Map<string, NodeClient>();
    for (const code of PROVINCES) {
      const key = generateNodeKey();
      const res = await fetch(`${ready.url}/api/hub/nodes`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-csrf-token": session.csrfToken,
          cookie: session.cookie,
        },
        body: JSON.stringify({ provinceCode: code, name: code, nodeKey: key.publicKeyX }),
      });
      if (!res.ok) throw new Error(`register ${code}: ${res.status} ${await res.text()}`);
      clients.set(code, createNodeClient({ key, peer, log: noLog, timeoutMs: 120_000 }));
    }

    if (PRELOAD > 0 && dbUri) {
      const t0 = Date.now();
      await preload(dbUri, PRELOAD);
      progress(`preloaded ${PRELOAD} practitioners in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }

    // Ingest: every province's share split into batches, `C` batches in flight per province.
    const perProvince = Math.ceil(N / P);
    let accepted = 0;
    let rejected = 0;
    const started = Date.now();
    const cpuBeforeIngest = await cpu.now();
    const requestsBeforeIngest = await dbRequests();
    let batches = 0;
    await Promise.all(
      PROVINCES.map(async (code, p) => {
        const client = clients.get(code)!;
        const first = p * perProvince;
        const last = Math.min(N, first + perProvince);
        let next = first;
        await Promise.all(
          Array.from({ length: C }, async () => {
            while (next < last) {
              const from = next;
              next = Math.min(last, next + BATCH);
              const records = Array.from({ length: next - from }, (_, k) => record(code, from + k));
              const answer = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
                batchId: `b-${code}-${from}`,
                records,
              });
              if (answer.status !== 200)
                throw new Error(`batch answered ${answer.status}: ${answer.rawBody.slice(0, 300)}`);
              batches++;
              for (const r of answer.body.results) {
                if (r.outcome === "accepted") accepted++;
                else rejected++;
              }
            }
          }),
        );
        progress(`${code}: published ${last - first}`);
      }),
    );
    const ingestMs = Date.now() - started;
    const ingestCpu = await cpu.since(cpuBeforeIngest);
    const roundTripsPerBatch = perUnit(requestsBeforeIngest, await dbRequests(), batches);
    progress(`ingested ${accepted} (rejected ${rejected}) in ${(ingestMs / 1000).toFixed(1)} s`);

    const cpuBeforeLookups = await cpu.now();
    const requestsBeforeLookups = await dbRequests();
    const latencies: number[] = [];
    const asker = clients.get(PROVINCES[0]!)!;
    for (let i = 0; i < LOOKUPS; i++) {
      const p = i % P;
      // Any practitioner the index holds, preloaded or published, with equal chance.
      const pick = Math.floor(Math.random() * (PRELOAD + N));
      const idNumber =
        pick < PRELOAD
          ? preloadedIdNumber(pick)
          : record(
              PROVINCES[p]!,
              p * perProvince + Math.floor(Math.random() * Math.min(perProvince, N - p * perProvince)),
            ).practitioner.idNumber;
      const t0 = performance.now();
      const answer = await asker.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
        query: { by: "id_number", idNumber },
        officerId: "bench",
        reason: "enforcement",
        caseReference: `BENCH-${i}`,
      });
      latencies.push(performance.now() - t0);
      if (answer.status !== 200 || answer.body.matches.length !== 1)
        throw new Error(`lookup ${i} failed: ${answer.status}`);
    }
    const lookupCpu = await cpu.since(cpuBeforeLookups);
    const roundTripsPerLookup = perUnit(requestsBeforeLookups, await dbRequests(), LOOKUPS);
    latencies.sort((a, b) => a - b);
    // CPU time per unit of work (ms): what a loaded machine does not inflate the way it inflates wall time.
    const per = (c: { node: number; db: number; load: number }, n: number) => ({
      hub: Math.round((c.node / n) * 100) / 100,
      ...(db ? { db: Math.round((c.db / n) * 100) / 100 } : {}),
      client: Math.round((c.load / n) * 100) / 100,
    });
    const line = {
      records: N,
      ...(PRELOAD > 0 ? { preloaded: PRELOAD, practitionersHeld: PRELOAD + N } : {}),
      db: db ? "standin" : ready.database.kind,
      ingestPerSec: Math.round((accepted / ingestMs) * 1000),
      lookupP50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
      lookupP99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
      hubRssMB: Math.round((await rssKB(child.pid)) / 1024),
      accepted,
      rejected,
      provinces: P,
      clientsPerProvince: C,
      batch: BATCH,
      lookups: LOOKUPS,
      cpuMsPerRecord: per(ingestCpu, Math.max(1, accepted)),
      cpuMsPerLookup: per(lookupCpu, Math.max(1, LOOKUPS)),
      ...(roundTripsPerBatch !== null ? { roundTripsPerBatch, roundTripsPerLookup } : {}),
      loadAvg1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      note: `every request and answer RFC 9421-signed and checked; one practitioner per record; records of different practitioners applied in one transaction per round; lookups measured at the client (sign + verify included); database ${db ? "stand-in in its own process" : "embedded in the hub process"}${PRELOAD > 0 ? `; ${PRELOAD} practitioners preloaded into the pointer index through the driver (not signed, not through the collection interface), lookups over all of them` : ""}`,
      at: new Date().toISOString(),
    };
    console.log(JSON.stringify(line));
    await appendLine(lineFile, line);
  } finally {
    await statusClient?.close();
    // The hub first (it may write on its way out), then its database. Bounded, unlike the bare
    // waits for `exit` these were (which never returned for a child that had already ended);
    // long enough when profiling for each to write its CPU profile as it exits.
    const graceMs = values.profile ? 120_000 : 15_000;
    let killed = await children.stop([child], graceMs, "SIGINT");
    if (db) killed += await children.stop([db.child], graceMs, "SIGINT");
    if (killed > 0)
      progress(`${killed} process(es) had to be killed${values.profile ? ": a CPU profile is missing" : ""}`);
    await stopProfile?.();
  }
}

await main();
