import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { trackChild } from "../../../helpers/interrupt.js";

/**
 * A Redis of the test's own on `port` (never the shared one on 6379, which other tests use), so
 * the test may kill it for an outage and start it again on the same port. No persistence.
 */
export interface OwnRedis {
  url: string;
  /** SIGKILL, like a crashed or unreachable Redis; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function launch(port: number): Promise<ChildProcess> {
  const child = trackChild(
    spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    ),
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
    if (Date.now() > deadline)
      throw new Error(`redis-server on ${port} did not accept connections within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** Starts one on `port`; with `startNow: false` only reserves the handle (the port stays closed). */
export async function ownRedis(port: number, options: { startNow?: boolean } = {}): Promise<OwnRedis> {
  let child: ChildProcess | null = options.startNow === false ? null : await launch(port);
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill("SIGKILL");
    await gone;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = await launch(port);
    },
  };
}
