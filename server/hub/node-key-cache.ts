import type { ClientSession, Connection } from "mongoose";
import { publicKeyFromX, type KnownNode } from "../sharing/index.js";
import { nodeModel } from "./node.model.js";

/**
 * The registry's version, one document (`_id: "nodes"`) in `hub_registry_meta`, stepped in the
 * transaction of every change to a node (registration, new key, status).
 */
const REGISTRY_VERSION = "nodes";

/** The node keys known per connection, shared by every registry on it (the hub's and the exchange's gates). */
const keyCaches = new WeakMap<Connection, { version: number; keys: Map<string, KnownNode> }>();

/**
 * The registry's version and the node keys read at it: the part of the registry (registry.service.ts)
 * that every inter-node request asks, kept apart from the changes it makes to nodes. Those changes
 * step the version (`stepVersion`, inside their transaction); each lookup reads it first.
 */
export function createNodeKeyCache(conn: Connection) {
  const Nodes = nodeModel(conn);
  const Meta = conn.collection<{ _id: string; version: number }>("hub_registry_meta");

  /**
   * Node keys as last read, for the version they were read at. Every inter-node request needs its
   * sender's key; reading the node's document (and building its key object) for each one was a
   * share of the hub's CPU per message. Not a TTL: each use first reads the registry version (one
   * small document by _id), so a key retired or a node suspended on any instance is refused on
   * every instance from the next request on.
   */
  const cache = keyCaches.get(conn) ?? { version: -1, keys: new Map<string, KnownNode>() };
  keyCaches.set(conn, cache);

  return {
    /** Steps the registry's version inside a node change's transaction (`changeNode`, registry.service.ts). */
    async stepVersion(session: ClientSession): Promise<void> {
      await Meta.updateOne({ _id: REGISTRY_VERSION }, { $inc: { version: 1 } }, { upsert: true, session });
    },

    /**
     * The node holding a current (unretired) key with this id, as of the registry's current version
     * (read at each request; the node's document only when the version moved or the key is new).
     */
    async resolveKey(keyId: string): Promise<KnownNode | null> {
      const version = (await Meta.findOne({ _id: REGISTRY_VERSION }))?.version ?? 0;
      if (version > cache.version) {
        cache.version = version;
        cache.keys = new Map();
      }
      // A version older than the one kept (read before a concurrent request's newer one) is read live.
      const seen = version === cache.version ? cache.keys : new Map<string, KnownNode>();
      const cached = seen.get(keyId);
      if (cached) return cached;
      const holders = await Nodes.find({ nodeKeys: { $elemMatch: { keyId, retiredAt: null } } })
        .limit(2)
        .lean();
      // A key two provinces hold (registered before `register` checked inside its transaction)
      // would let either's node sign as the other: trusted for neither until the operator fixes it.
      const node = holders.length === 1 ? holders[0] : undefined;
      const key = node?.nodeKeys.find((k) => k.keyId === keyId);
      if (!node || !key) return null;
      const known = {
        peer: node.provinceCode,
        publicKey: publicKeyFromX(key.publicKey),
        active: node.status === "active",
      };
      // Kept only under the version read before the node: a change since then steps the version,
      // and the next request reads the node again. Unknown ids are not kept (anyone can send them).
      seen.set(keyId, known);
      return known;
    },

    /**
     * The node this key id belonged to when the registry was last read, without reading it now
     * (null when not kept). Only a guess to start on: a request checked with it still waits for
     * resolveKey, which the gate reads at the same time as it claims the nonce.
     */
    keptKey(keyId: string): KnownNode | null {
      return cache.keys.get(keyId) ?? null;
    },
  };
}
