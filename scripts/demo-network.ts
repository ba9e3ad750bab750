/**
 * `npm start`: the demo network on one machine — the national hub and two province nodes
 * (江苏 320000, 北京 110000), each a `scripts/node.ts` child process on its own port and its own
 * database under `<DATA_DIR>/<nodeName>/`. Waits until every node answers `/healthz`, runs the demo
 * seed hooks (scripts/demo-seeds.ts) inside each node, and prints URLs and demo logins. Ctrl-C stops
 * all three gracefully (a second Ctrl-C forces); the data stays for the next `npm start`.
 *
 * Environment (all optional): `PORT` (hub port, default 3000; the provinces take the next two),
 * `DEMO_PORTS=hub,jiangsu,beijing` (explicit ports), `DATA_DIR` (default ./data), `LOG_LEVEL`,
 * `MONGODB_URI` (a real MongoDB instead of the embedded one; each node gets its own database on it).
 * Node logs go to `<DATA_DIR>/logs/<nodeName>.log`; warnings and errors are also shown here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { acquireDataLock, DataFolderInUseError } from "@roadcert/mongo-standin";
import { buildClient, clientBuildState, hasClientSources } from "./client-build.js";
import { fetchHubIdentity, registerProvinces } from "./demo-hub-registration.js";
import { seedNetworkHistory } from "./demo-network-history.js";
import { demoPassword, demoPasswordFile } from "./demo-password.js";
import { demoPorts } from "./demo-ports.js";
import type { DemoSeedOutcome } from "./demo-seeds.js";
import type { NodeMessage } from "./node.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface NodeSpec {
  label: string;
  /** A province node's official name, which the hub registers it under. */
  provinceName?: string;
  nodeName: string;
  env: Record<string, string>;
  port: number;
}

interface RunningChild {
  spec: NodeSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
  ready: Promise<Extract<NodeMessage, { type: "ready" }>>;
}

const HEALTH_TIMEOUT_MS = 180_000;

function nodeSpecs(): NodeSpec[] {
  const [hubPort, jsPort, bjPort] = demoPorts();
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  return [
    // PUBLIC_URL: the address the provinces sign their requests for (their HUB_URL).
    { label: "全国中心 hub", nodeName: "hub", port: hubPort, env: { ROLE: "hub", PUBLIC_URL: hubUrl } },
    {
      label: "江苏 320000",
      provinceName: "江苏省",
      nodeName: "province-320000",
      port: jsPort,
      // 江苏 signs certificates with SM2/SM3, 北京 with Ed25519; each reads the other's status list,
      // checked with the keys the hub's national list (HUB_PUBLIC_KEY) holds for that province: no
      // anchor is pinned (CERT_PEER_ANCHORS), so a peer's self-served anchor is never trusted.
      env: {
        ROLE: "province",
        PROVINCE_CODE: "320000",
        HUB_URL: hubUrl,
        CERT_SUITE: "sm2-sm3",
        CERT_PEERS: `110000=http://127.0.0.1:${bjPort}`,
      },
    },
    {
      label: "北京 110000",
      provinceName: "北京市",
      nodeName: "province-110000",
      port: bjPort,
      env: {
        ROLE: "province",
        PROVINCE_CODE: "110000",
        HUB_URL: hubUrl,
        CERT_SUITE: "ed25519",
        CERT_PEERS: `320000=http://127.0.0.1:${jsPort}`,
      },
    },
  ];
}

/**
 * Builds the client when `dist/client` is missing or older than its sources, so the nodes serve
 * the UI of the code checked out (after a `git pull` too), not of the last build.
 */
async function ensureClient(): Promise<void> {
  if (!hasClientSources()) return;
  const state = clientBuildState();
  if (state === "fresh") return;
  console.log(state === "missing" ? "首次启动：正在构建前端 …" : "前端代码已更新：正在重新构建前端 …");
  await buildClient();
  console.log("前端已构建 (dist/client)");
}

/**
 * Each demo node's session secret, made once and kept beside its data: logins survive a restart
 * like the data does, and no node starts with a throwaway secret. `SESSION_SECRET` overrides.
 */
async function sessionSecret(dataDir: string, nodeName: string): Promise<string> {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  const dir = path.join(dataDir, "secrets");
  const file = path.join(dir, `${nodeName}.session-secret`);
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim().length >= 32) return existing.trim();
  const secret = randomBytes(32).toString("hex");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, secret + "\n", { mode: 0o600 });
  return secret;
}

function startChild(spec: NodeSpec, dataDir: string, logDir: string, secret: string): RunningChild {
  const args = ["--import", "tsx", path.join(root, "scripts/node.ts"), "--seed-demo"];
  // On a shared real MongoDB every node still needs its own database.
  if (process.env.MONGODB_URI) args.push("--db-name", `roadcert_${spec.nodeName.replace(/-/g, "_")}`);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV ?? "development",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      HOST: "127.0.0.1",
      ...spec.env,
      PORT: String(spec.port),
      NODE_NAME: spec.nodeName,
      SESSION_SECRET: secret,
      DATA_DIR: dataDir,
    },
    // Own process group: Ctrl-C reaches only this script, which then stops each node exactly once.
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const log: WriteStream = createWriteStream(path.join(logDir, `${spec.nodeName}.log`), { flags: "a" });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      log.write(line + "\n");
      const shown = forTerminal(line);
      if (shown) console.log(`[${spec.nodeName}] ${shown}`);
    });
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      log.end();
      resolve(signal ? null : code);
    });
  });
  const ready = new Promise<Extract<NodeMessage, { type: "ready" }>>((resolve, reject) => {
    child.on("message", (raw) => {
      const msg = raw as NodeMessage;
      if (msg.type === "ready") resolve(msg);
      else reject(new Error(`${spec.label} failed to start: ${msg.error}`));
    });
    void exited.then((code) =>
      reject(new Error(`${spec.label} exited during start-up (exit ${code ?? "signal"})`)),
    );
  });
  // Whichever way start-up ends, an unobserved rejection must not crash this script.
  ready.catch(() => undefined);
  return { spec, child, exited, ready };
}

/**
 * What of a node's output reaches the terminal: pino lines at warn (40) or above, as one readable
 * line, and any non-JSON output (a crash trace). The full log is in the node's log file.
 */
function forTerminal(line: string): string | null {
  if (!line.startsWith("{")) return line.trim() ? line : null;
  try {
    const entry = JSON.parse(line) as {
      level?: unknown;
      msg?: unknown;
      err?: { message?: unknown };
      error?: unknown;
    };
    if (typeof entry.level === "number" && entry.level < 40) return null;
    const level = typeof entry.level === "number" && entry.level >= 50 ? "错误" : "警告";
    // A thrown error's message, or the reason a delivery failed (e.g. "hub answered 401 signature_invalid").
    const reason = typeof entry.err?.message === "string" ? entry.err.message : entry.error;
    const cause = typeof reason === "string" ? `: ${reason}` : "";
    return `${level} ${typeof entry.msg === "string" ? entry.msg : ""}${cause}`;
  } catch {
    return line;
  }
}

/** Pads to a terminal width where CJK characters take two columns. */
function pad(text: string, width: number): string {
  const columns = [...text].reduce((n, ch) => n + (/[\u2e80-\uffef]/.test(ch) ? 2 : 1), 0);
  return text + " ".repeat(Math.max(1, width - columns));
}

async function waitHealthy(url: string, running: RunningChild): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${running.spec.label} exited before answering /healthz (see its log)`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${running.spec.label} did not answer ${url}/healthz within ${HEALTH_TIMEOUT_MS / 1000}s`);
}

/** SIGINT each node once (each stops gracefully and flushes its database), then wait for all. */
async function stopAll(children: RunningChild[]): Promise<boolean> {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGINT");
  const codes = await Promise.all(children.map((c) => c.exited));
  return codes.every((code) => code === 0);
}

function printTable(
  children: RunningChild[],
  readies: Extract<NodeMessage, { type: "ready" }>[],
  dataDir: string,
): void {
  const lines: string[] = ["", "roadcert 演示网络已启动 (demo network is up)", ""];
  readies.forEach((ready, i) => {
    const spec = children[i]?.spec;
    lines.push(`  ${pad(spec?.label ?? ready.nodeName, 16)}${ready.url}/`);
    lines.push(`      数据库: ${ready.database.kind} — ${ready.database.reason}`);
    for (const s of ready.seeds) lines.push(`      ${describeSeed(s)}`);
    const logins = ready.seeds.flatMap((s) => (s.status === "done" ? (s.result.logins ?? []) : []));
    if (logins.length) {
      lines.push("      演示账号 (demo logins):");
      for (const l of logins) {
        lines.push(
          `        ${pad(l.role, 14)}${pad(l.username, 22)}${l.password}${l.note ? `  (${l.note})` : ""}`,
        );
      }
    }
    lines.push("");
  });
  lines.push(
    `  演示账号密码为本机首次启动时随机生成，保存在 ${demoPasswordFile(dataDir)}（不入库，删除数据目录后重新生成）`,
  );
  lines.push(`  数据目录 ${dataDir} (再次 npm start 数据仍在)；日志 ${path.join(dataDir, "logs")}`);
  lines.push("  按 Ctrl-C 停止全部节点 (Ctrl-C stops all nodes)", "");
  console.log(lines.join("\n"));
}

function describeSeed(s: DemoSeedOutcome): string {
  if (s.status === "done")
    return `初始化 ${s.name}: 完成（${(s.ms / 1000).toFixed(1)} 秒）${s.result.summary ? ` — ${s.result.summary}` : ""}`;
  if (s.status === "skipped") return `初始化 ${s.name}: 跳过 (${s.reason})`;
  return `初始化 ${s.name}: 失败 — ${s.error}`;
}

/**
 * The network's part of the demo history (certificates issued, filing, transfer, notice) is done
 * through the nodes' API, so its marker is a file beside their data: the token of 江苏's history
 * marker it was done on. A new history (a changed DEMO_HISTORY_VERSION, or 江苏's data gone) has
 * another token, and the network's part runs again.
 */
function networkMarkerFile(dataDir: string): string {
  return path.join(dataDir, "demo-network-history.json");
}

async function networkHistoryDone(dataDir: string): Promise<string | null> {
  try {
    const parsed = JSON.parse(await readFile(networkMarkerFile(dataDir), "utf8")) as { history?: unknown };
    return typeof parsed.history === "string" ? parsed.history : null;
  } catch {
    return null;
  }
}

/**
 * One `npm start` per data folder, checked before anything in it is read or written: a second one
 * started its nodes on the first one's databases (each node's own lock then refuses it, but only
 * after its secrets, logs and seeds were under way). Released when this process exits
 * (`process.exit` after Ctrl-C/SIGTERM included); a lock left by a killed run is taken over.
 */
function lockDataFolder(dataDir: string): boolean {
  try {
    acquireDataLock(dataDir, {
      file: "npm-start.lock",
      owner: "npm start",
      onTakeover: (stale) =>
        console.log(
          `上次的演示网络（进程 ${stale?.pid ?? "?"}）未正常退出，已接管数据目录 ${dataDir} (took over the lock it left)`,
        ),
    });
    return true;
  } catch (err) {
    if (!(err instanceof DataFolderInUseError)) throw err;
    const pid = err.holder?.pid ?? "?";
    console.error(
      [
        `演示网络未启动：数据目录 ${dataDir} 正被另一个 npm start 使用（进程 ${pid}）。` +
          "请先在它的终端按 Ctrl-C 停止它，或用 DATA_DIR 指定另一个目录。",
        `Not started: the data folder ${dataDir} is in use by another npm start (pid ${pid});` +
          " stop it first (Ctrl-C) or set DATA_DIR to another folder.",
        `若确认该进程已不存在，可删除 / if no such process runs, delete: ${err.lockFile}`,
      ].join("\n"),
    );
    return false;
  }
}

async function main(): Promise<void> {
  const specs = nodeSpecs();
  const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, "data"));
  await mkdir(dataDir, { recursive: true });
  if (!lockDataFolder(dataDir)) {
    process.exitCode = 1;
    return;
  }
  const logDir = path.join(dataDir, "logs");
  await mkdir(logDir, { recursive: true });
  await ensureClient();

  const secrets = await Promise.all(specs.map((spec) => sessionSecret(dataDir, spec.nodeName)));
  // Made here, before the nodes start, so all three seed their accounts with the same password.
  await demoPassword(dataDir);
  // The hub starts first: the provinces pin its node key (HUB_PUBLIC_KEY) when they start.
  const children: RunningChild[] = [startChild(specs[0]!, dataDir, logDir, secrets[0] ?? "")];
  let stopping = false;
  let firstSignalAt = 0;
  const shutdown = (code: number) => {
    if (stopping) {
      // A second Ctrl-C forces; a copy of the first signal relayed by a wrapper (npm, tsx, timeout)
      // arrives within moments and must not cut the graceful stop short.
      if (Date.now() - firstSignalAt < 1000) return;
      for (const c of children) c.child.kill("SIGKILL");
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    console.log("\n正在停止演示网络… (stopping; Ctrl-C again to force)");
    void stopAll(children).then((clean) => {
      console.log(clean ? "全部节点已停止。" : "部分节点未正常停止，请查看日志。");
      process.exit(clean ? code : 1);
    });
  };
  process.on("SIGINT", () => shutdown(0));
  process.on("SIGTERM", () => shutdown(0));

  try {
    const hub = children[0]!;
    const hubUrl = `http://127.0.0.1:${hub.spec.port}`;
    await waitHealthy(hubUrl, hub);
    const hubReady = await hub.ready;
    const hubIdentity = await fetchHubIdentity(hubUrl);
    specs.slice(1).forEach((spec, i) => {
      spec.env.HUB_PUBLIC_KEY = hubIdentity.publicKey;
      children.push(startChild(spec, dataDir, logDir, secrets[i + 1] ?? ""));
    });
    await Promise.all(children.map((c) => waitHealthy(`http://127.0.0.1:${c.spec.port}`, c)));
    const readies = [hubReady, ...(await Promise.all(children.slice(1).map((c) => c.ready)))];
    const operator = hubReady.seeds
      .flatMap((s) => (s.status === "done" ? (s.result.logins ?? []) : []))
      .find((l) => l.username === "hub_operator");
    // A failed registration leaves a working network whose records queue at the provinces; it is
    // reported, not fatal (the operator can register the keys on the hub's page).
    let registered = false;
    try {
      if (!operator) throw new Error("未找到全国中心运维账号");
      const nodes = await registerProvinces(
        hubUrl,
        operator,
        children
          .slice(1)
          .map((c) => ({
            url: `http://127.0.0.1:${c.spec.port}`,
            name: c.spec.provinceName ?? c.spec.label,
          })),
      );
      console.log(
        `全国中心已登记省级节点：${nodes.map((n) => `${n.name} (密钥 ${n.nodeKeys.at(-1)?.keyId.slice(0, 12) ?? "?"}…)`).join("，")}`,
      );
      registered = true;
    } catch (err) {
      console.warn(
        `警告 省级节点未在全国中心登记 (${err instanceof Error ? err.message : String(err)})：记录将在本地排队`,
      );
    }
    // The shared past (certificates issued, a filing acknowledged, a notice): needs the hub to
    // know both provinces; a failure leaves a working network with less to show.
    if (registered) {
      try {
        const logins = new Map(
          readies
            .flatMap((r) => r.seeds.flatMap((s) => (s.status === "done" ? (s.result.logins ?? []) : [])))
            .map((l) => [l.username, l]),
        );
        const [, js, bj] = children.map((c) => `http://127.0.0.1:${c.spec.port}`);
        // 江苏's history marker: the network's part was done on top of exactly this history.
        const history = readies[1]?.seeds.find((s) => s.name === "demo-history");
        const token = history?.status === "done" ? history.result.marker : undefined;
        if (history?.status === "failed") {
          // The network's part files and transfers 江苏's past certificates: without them it would
          // only wait out its timeouts. The hook's own line in the table says why it failed.
          console.warn("警告 演示历史未能补齐（江苏的历史场次未完成，原因见下表 demo-history 一行）");
        } else if (token && (await networkHistoryDone(dataDir)) === token) {
          console.log("演示历史：已就绪（未再检查）");
        } else {
          console.log(
            `演示历史：${await seedNetworkHistory({ jiangsu: js ?? "", beijing: bj ?? "" }, logins)}`,
          );
          if (token) await writeFile(networkMarkerFile(dataDir), JSON.stringify({ history: token }) + "\n");
        }
      } catch (err) {
        console.warn(`警告 演示历史未能补齐 (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    printTable(children, readies, dataDir);
  } catch (err) {
    console.error(`演示网络启动失败：${err instanceof Error ? err.message : String(err)}`);
    if (!stopping) shutdown(1);
    return;
  }
  // A node that dies later takes the network down with it, rather than leaving a half network.
  for (const c of children) {
    void c.exited.then((code) => {
      if (stopping) return;
      console.error(`${c.spec.label} 意外退出 (exit ${code ?? "signal"})，正在停止其余节点。`);
      shutdown(1);
    });
  }
}

await main();
