/**
 * The demo network's nodes (scripts/demo-network.ts): which three it starts and on which ports, each
 * node's session secret, starting one as a `scripts/node.ts` child process with its log, waiting
 * for its `/healthz`, and stopping them all.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { demoPorts } from "./demo-ports.js";
import type { NodeMessage } from "./node.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface NodeSpec {
  label: string;
  /** A province node's official name, which the hub registers it under. */
  provinceName?: string;
  nodeName: string;
  env: Record<string, string>;
  port: number;
}

export interface RunningChild {
  spec: NodeSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
  ready: Promise<Extract<NodeMessage, { type: "ready" }>>;
}

const HEALTH_TIMEOUT_MS = 180_000;

export function nodeSpecs(): NodeSpec[] {
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
 * Each demo node's session secret, made once and kept beside its data: logins survive a restart
 * like the data does, and no node starts with a throwaway secret. `SESSION_SECRET` overrides.
 */
export async function sessionSecret(dataDir: string, nodeName: string): Promise<string> {
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

export function startChild(spec: NodeSpec, dataDir: string, logDir: string, secret: string): RunningChild {
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

export async function waitHealthy(url: string, running: RunningChild): Promise<void> {
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
export async function stopAll(children: RunningChild[]): Promise<boolean> {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGINT");
  const codes = await Promise.all(children.map((c) => c.exited));
  return codes.every((code) => code === 0);
}
