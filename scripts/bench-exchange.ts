/**
 * `npm run bench:exchange -- [--filings 1000] [--concurrency 8] [--cpu-prof-dir DIR] [--line-file FILE]`
 *
 * Exchange benchmark (issue 13): the filing path from the filing province B to the home province
 * A's inbox. Starts a hub in its own process (`scripts/node.ts`, embedded database unless
 * MONGODB_URI is set), registers 江苏 (A) and 北京 (B) through the operator API, publishes N
 * certificates as A, lets B look each practitioner up with reason `filing` (setup, not timed),
 * then B sends N filings (`concurrency` in flight, each signed and checked) while A pulls its
 * inbox as a node does (each request waits at the hub for the next message: long poll). `noticeP50Ms/P95Ms` is the time from B starting to send a filing to A
 * holding its inbox message; a province node adds its poll interval (EXCHANGE_POLL_MS) and its
 * own database writes on top. Prints one JSON line and appends it to BENCHMARKS.md (to
 * `--line-file` instead when given). With
 * `--cpu-prof-dir DIR` the hub writes a V8 CPU profile (node --cpu-prof) there when it stops.
 */
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import type { CaseReceipt, InboxPage } from "../server/contracts/exchange.js";
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
import { fetchHubIdentity, operatorSession } from "./demo-hub-registration.js";
import { percentile } from "./bench/exam-load.js";
import { startBenchHub } from "./bench/hub-process.js";
import { benchChildren } from "./child-set.js";
import { appendLine, benchCommandLine, count, filePath } from "./bench/bench-args.js";
import { cpuMs } from "./bench/processes.js";
import { demoPassword } from "./demo-password.js";

// The birth dates repeat every lcm(40, 12, 28) = 840 practitioners; the sequence number steps at
// each repeat, so ID numbers are unique up to 840 x 999 filings (it stepped every 13,440, so the
// 841st filing was a second filing of the first practitioner, refused as already_filed).
const DATE_PERIOD = 840;
const { values, lineFile } = benchCommandLine(
  "bench:exchange",
  {
    filings: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    "cpu-prof-dir": { type: "string" },
  },
  z.object({
    // Each filing needs a practitioner of its own (see `idOf`).
    filings: count(1, DATE_PERIOD * 999),
    concurrency: count(1),
    "cpu-prof-dir": filePath,
  }),
);
const N = values.filings;
const C = values.concurrency;
const progress = (msg: string) =>
  process.stderr.write(`[bench:exchange ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const noLog = { append: () => Promise.resolve(null as never) };

const idOf = (i: number) =>
  makeIdNumber(
    "320102",
    `19${60 + (i % 40)}-${String(1 + (i % 12)).padStart(2, "0")}-${String(1 + (i % 28)).padStart(2, "0")}`,
    1 + (Math.floor(i / DATE_PERIOD) % 999),
  );

function certificate(i: number): QualificationRecord {
  const idNumber = idOf(i);
  return {
    recordId: `bench-x:${i}`,
    recordType: "certificate",
    sourceProvince: "320000",
    operation: "add",
    state: "valid",
    updateTime: toUpdateTime(new Date(Date.now() - 3600_000)),
    version: 1,
    practitioner: { idNumber, name: "测试人员" },
    categories: ["02001"],
    issuingDivision: "320100",
    certificate: {
      certificateNumber: idNumber,
      status: "valid",
      issuingAuthority: "南京市交通运输局",
      firstIssueDate: "2024-01-10",
      issueDate: "2024-01-10",
      validFrom: "2024-01-10",
      validTo: "2030-01-09",
    },
  };
}

/** Runs `work(i)` for i in [0, n) with `c` in flight. */
async function pool(n: number, c: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function main(): Promise<void> {
  const loadBefore = loadavg().map((l) => Math.round(l * 10) / 10);
  const dataDir = mkdtempSync(path.join(tmpdir(), "roadcert-bench-exchange-"));
  // The hub stops with this process, however it ends (a signal skips `finally`).
  const children = benchChildren("bench:exchange");
  const { child, ready } = await startBenchHub({
    children,
    nodeName: "bench-exchange-hub",
    dataDir,
    // --cpu-prof-dir DIR: the hub (with its embedded database) writes a V8 CPU profile there on exit.
    nodeFlags: values["cpu-prof-dir"] ? ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof-dir"]}`] : [],
  });
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
    const clients: Record<string, NodeClient> = {};
    for (const code of ["320000", "110000"]) {
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
      clients[code] = createNodeClient({ key, peer, log: noLog, timeoutMs: 120_000 });
    }
    const jiangsu = clients["320000"]!;
    const beijing = clients["110000"]!;

    for (let from = 0; from < N; from += 500) {
      const records = Array.from({ length: Math.min(500, N - from) }, (_, k) => certificate(from + k));
      const answer = await jiangsu.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
        batchId: `bx-${from}`,
        records,
      });
      if (answer.status !== 200 || answer.body.results.some((r) => r.outcome !== "accepted"))
        throw new Error(`publish answered ${answer.status}`);
    }
    const lookups: string[] = [];
    await pool(N, C, async (i) => {
      const a = await beijing.call<LookupAnswer>("POST", "/api/hub/v1/catalog/lookups", {
        query: { by: "id_number", idNumber: idOf(i) },
        officerId: "bench",
        reason: "filing",
        caseReference: `BX-${i}`,
      });
      if (a.status !== 200) throw new Error(`lookup ${i} answered ${a.status}`);
      lookups[i] = a.body.lookupId;
    });
    progress(`setup: ${N} certificates published and looked up`);

    const sentAt = new Map<string, number>();
    // Inbox requests A made: each costs the hub a signed exchange of its own, so fewer, fuller pages are cheaper.
    let pulls = 0;
    const latencies: number[] = [];
    // A pulls continuously; its cursor confirms what it holds.
    const puller = (async () => {
      let cursor = 0;
      while (latencies.length < N) {
        pulls++;
        // As a node pulls: the request waits at the hub for the next message (long poll).
        const page = await jiangsu.call<InboxPage>(
          "GET",
          `/api/hub/v1/exchange/inbox?after=${cursor}&limit=500&wait=5000`,
        );
        if (page.status !== 200) throw new Error(`inbox answered ${page.status}`);
        const now = performance.now();
        for (const m of page.body.messages) {
          const t0 = sentAt.get(m.caseId);
          if (m.type === "case" && t0 !== undefined) latencies.push(now - t0);
        }
        cursor = page.body.nextCursor;
      }
    })();
    // A failed filing stops the hub (finally below); the puller's refused connection that follows
    // must not end the process before that filing's error is reported.
    puller.catch(() => undefined);
    const started = performance.now();
    const hubCpuBefore = await cpuMs(child.pid);
    const clientCpuBefore = process.cpuUsage();
    await pool(N, C, async (i) => {
      const caseId = `bench-${i}-${Math.random().toString(36).slice(2, 10)}`;
      sentAt.set(caseId, performance.now());
      const answer = await beijing.call<CaseReceipt>("POST", "/api/hub/v1/exchange/cases", {
        caseId,
        kind: "filing",
        lookupId: lookups[i],
        practitioner: { idNumber: idOf(i), name: "测试人员" },
        officer: { id: "bench", name: "基准", divisionCode: "110105" },
        details: {
          employer: { name: "基准运输公司" },
          startDate: "2026-12-01",
          categoryCode: "02001",
          licence: { number: `L${i}`, class: "A2" },
          contact: { phone: "010-12345678" },
        },
      });
      if (answer.status !== 200)
        throw new Error(`filing ${i} answered ${answer.status}: ${answer.rawBody.slice(0, 200)}`);
    });
    const filingMs = performance.now() - started;
    await puller;
    const hubCpuAfter = await cpuMs(child.pid);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    latencies.sort((a, b) => a - b);
    const line = {
      bench: "exchange",
      filings: N,
      filingsPerSec: Math.round((N / filingMs) * 1000),
      noticeP50Ms: Math.round(percentile(latencies, 50)),
      noticeP95Ms: Math.round(percentile(latencies, 95)),
      // CPU the hub (with its embedded database) and this client (both provinces) spent per filing.
      hubCpuMsPerFiling: Math.round(((hubCpuAfter - hubCpuBefore) / N) * 100) / 100,
      pulls,
      clientCpuMsPerFiling: Math.round(((clientCpu.user + clientCpu.system) / 1000 / N) * 100) / 100,
      db: ready.database.kind,
      concurrency: C,
      loadAverage: loadBefore,
      note: "B→hub→A inbox, every request and answer RFC 9421-signed and checked; A long-polls its inbox (wait=5000) as a node does; province-side database writes not included",
      at: new Date().toISOString(),
    };
    console.log(JSON.stringify(line));
    await appendLine(lineFile, line);
  } finally {
    // Waits for the hub to stop, so its CPU profile (if asked for) is written before we exit;
    // bounded, and returns at once for a hub that had already ended.
    const killed = await children.stop([child], values["cpu-prof-dir"] ? 120_000 : 15_000, "SIGINT");
    if (killed > 0)
      progress(`the hub had to be killed${values["cpu-prof-dir"] ? ": its CPU profile is missing" : ""}`);
  }
}

await main();
