import type { Connection } from "mongoose";

/** A part of the node's state for `/healthz`, read at each request: a plain JSON value, null when all is well. */
export type NodeStatusSource = () => unknown;

/**
 * What `/healthz` reports besides "up", per node: keyed by the node's database connection, which
 * the composition root (server/features.ts) and the health route both hold, so a feature's
 * background state (the hub key announcements of the sharing feature's pusher) reaches the route
 * without threading it through main and the app. A WeakMap: a stopped node's entries go with it.
 */
const sources = new WeakMap<Connection, Map<string, NodeStatusSource>>();

/** Adds (or replaces) the `/healthz` field `name` of the node on `conn`, read from `read` at each request. */
export function reportNodeStatus(conn: Connection, name: string, read: NodeStatusSource): void {
  const fields = sources.get(conn) ?? new Map<string, NodeStatusSource>();
  sources.set(conn, fields);
  fields.set(name, read);
}

/** The node's reported fields as they are now (a field that fails to read says so instead of failing the probe). */
export function nodeStatusOf(conn: Connection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, read] of sources.get(conn) ?? []) {
    try {
      out[name] = read() ?? null;
    } catch {
      out[name] = { code: "status_unavailable" };
    }
  }
  return out;
}
