import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { AppServer } from "./socket-types.js";

/**
 * Lets several app instances behind a load balancer share socket.io rooms: a proctor connected to
 * one instance reaches candidates connected to another. `key` prefixes the pub/sub channels: the
 * instances of one node share it, different nodes must not. Returns a closer for shutdown.
 */
export async function useRedisAdapter(io: AppServer, url: string, key = "socket.io"): Promise<() => Promise<void>> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  // Redis pub/sub channels are server-wide (not per database index), so nodes sharing one Redis
  // (the compose file's hub and provinces) need their own channel prefix to keep their rooms apart.
  io.adapter(createAdapter(pub, sub, { key }));
  return async () => {
    await Promise.allSettled([pub.quit(), sub.quit()]);
  };
}
