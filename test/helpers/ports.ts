import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The kernel's range for ports it hands out by itself: `listen(0)` and the local end of every
 * outgoing connection, of any process on the machine. Linux publishes it; elsewhere the IANA
 * dynamic range is assumed.
 */
export function automaticPortRange(
  read: () => string = () => readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"),
): { low: number; high: number } {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (low && high && low <= high) return { low, high };
  } catch {
    // Not Linux: fall through to the IANA range.
  }
  return { low: 49152, high: 65535 };
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Lowest port handed out here: above the usual fixed development ports (3000, 5173, 8080 …). */
const FLOOR = 20_000;

/**
 * A port for a server a test stops and starts again on the same address (its peers keep the URL).
 * A `listen(0)` port is in the kernel's automatic range, so while the server is down the kernel
 * may give it to any process's `listen(0)` or outgoing connection, and the restart fails with
 * EADDRINUSE; this one lies below that range, where only a process asking for it by number can
 * take it. Free when returned (checked by listening on it).
 */
export async function aPortToRestartOn(range = automaticPortRange()): Promise<number> {
  const top = Math.min(range.low, 49152) - 1;
  if (top <= FLOOR) throw new Error(`no port below the automatic range ${range.low}-${range.high} to choose from`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FLOOR + Math.floor(Math.random() * (top - FLOOR + 1));
    if (await listens(port)) return port;
  }
  throw new Error(`no free port found between ${FLOOR} and ${top} in 50 tries`);
}

/**
 * `count` distinct ports for servers another process starts later on the ports it is told (the
 * demo network's three nodes): chosen like aPortToRestartOn, below the automatic range, so nothing
 * is handed them in the seconds before the child listens.
 */
export async function portsToStartOn(count: number, range = automaticPortRange()): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await aPortToRestartOn(range));
  return [...ports];
}

/**
 * Starts a server again on `port`; when another process took the port while it was down, fails
 * saying so (instead of a bare EADDRINUSE from deep inside the start).
 */
export async function startAgainOn<T>(port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new Error(`port ${port} was taken by another process while the server was down; the restart cannot come back on it`, { cause: err });
    throw err;
  }
}
