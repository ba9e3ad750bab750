/**
 * The benchmark's own processes: a child started under tsx that reports readiness on stdout
 * (the database stand-in, the exam node, the ack-echo baseline), and a process's resident memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Starts `node …nodeFlags --import tsx …args` in the repository root; resolves with the first
 * match of `pattern` on stdout.
 */
export function spawnReady(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
  nodeFlags: string[] = [],
): Promise<{ child: ChildProcess; match: string }> {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}: ${err}`)));
  });
}

/** Resident memory of a process in KB (0 when unknown). */
export async function rssKB(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
