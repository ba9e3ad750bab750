import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { AppServer } from "./socket-types.js";

/**
 * Lets several app instances behind a load balancer share socket.io rooms: a proctor connected to
 * one instance reaches candidates connected to another. Returns a closer for shutdown.
 */
export async function useRedisAdapter(io: AppServer, url: string): Promise<() => Promise<void>> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
  return async () => {
    await Promise.allSettled([pub.quit(), sub.quit()]);
  };
}
