import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { trackChild } from "../../../helpers/interrupt.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");

export interface ChildNode {
  url: string;
  process: ChildProcess;
  /** SIGKILL: no shutdown hooks run, like a crashed machine. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `scripts/bench/exam-node-process.ts` in its own process and resolves once it prints
 * `READY <url>`, or rejects with its stderr when it exits first. No wall-clock bound of its own: a
 * tsx start took over a minute at load 20-28, so the calling test's timeout is the only bound.
 */
export function spawnExamNode(env: Record<string, string>): Promise<ChildNode> {
  // Tracked: an interrupted run stops the node too (the test's `after` hook never runs then).
  const child = trackChild(
    spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/bench/exam-node-process.ts")], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) {
        resolve({
          url: m[1],
          process: child,
          kill: async () => {
            if (child.exitCode === null) child.kill("SIGKILL");
            await exited;
          },
          stop: async () => {
            if (child.exitCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      reject(new Error(`exam node exited with ${code}: ${stderr}`));
    });
  });
}
