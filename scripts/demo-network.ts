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
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { acquireDataLock, DataFolderInUseError } from "@roadcert/mongo-standin";
import { buildClient, clientBuildState, hasClientSources } from "./client-build.js";
import { fetchHubIdentity } from "./demo-hub-registration.js";
import {
  nodeSpecs,
  root,
  sessionSecret,
  startChild,
  stopAll,
  waitHealthy,
  type RunningChild,
} from "./demo-network-nodes.js";
import { printTable } from "./demo-network-print.js";
import { seedNetwork } from "./demo-network-seeding.js";
import { demoPassword } from "./demo-password.js";

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
    await seedNetwork(hubUrl, children, readies, dataDir);
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
