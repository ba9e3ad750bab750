import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { splicingFrames } from "./socket-parser.js";
import type { AppServer } from "./socket-types.js";

/**
 * The channel prefix of one deployment of one node: its instances share the node's name and its
 * database, so both are in the key. The name alone let two deployments of one province on one Redis
 * (two test runs, a bench beside a test, two environments) answer each other's room and
 * fetchSockets requests; the database name tells them apart without any setting to get wrong.
 */
export function adapterKey(nodeName: string, dbName: string): string {
  return `roadcert#${nodeName}#${dbName}`;
}

/**
 * Lets several app instances behind a load balancer share socket.io rooms: a proctor connected to
 * one instance reaches candidates connected to another. `key` prefixes the pub/sub channels: the
 * instances of one deployment share it, anything else must not (see adapterKey). Returns a closer
 * for shutdown.
 */
export async function useRedisAdapter(io: AppServer, url: string, key: string): Promise<() => Promise<void>> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  // Redis pub/sub channels are server-wide (not per database index), so nodes sharing one Redis
  // (the compose file's hub and provinces) need their own channel prefix to keep their rooms apart.
  // No default: socket.io's own ("socket.io") would join every process that also forgot one.
  const redis = createAdapter(pub, sub, { key });
  // A room's frames of spliced packets are built from UTF-8 parts here too (socket-parser.ts).
  io.adapter(function SplicingRedisAdapter(nsp: Parameters<typeof redis>[0]) {
    return splicingFrames(redis(nsp));
  } as unknown as typeof redis);
  return async () => {
    await Promise.allSettled([pub.quit(), sub.quit()]);
  };
}
