import { Schema, type ClientSession, type Connection, type InferSchemaType, type Model } from "mongoose";
import { AppError } from "../lib/errors.js";

/**
 * The hub's registry of trusted province nodes (X-Road's "members"): the hub operator registers a
 * province's GB/T 2260 code, its node key (which signs inter-node messages) and its certificate
 * signing keys (which the national trust list publishes). A re-registration with a new node key
 * retires the old one: messages signed with it are refused from then on, and it is never taken
 * again (a new key is generated instead).
 */
const nodeSchema = new Schema(
  {
    provinceCode: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    status: { type: String, required: true, enum: ["active", "suspended"], default: "active" },
    nodeKeys: [
      {
        _id: false,
        keyId: { type: String, required: true },
        publicKey: { type: String, required: true },
        addedAt: { type: Date, required: true },
        retiredAt: { type: Date, default: null },
      },
    ],
    certificateKeys: [
      {
        _id: false,
        kid: { type: String, required: true },
        suite: { type: String, required: true, enum: ["ed25519", "sm2-sm3"] },
        publicKey: { type: String, required: true },
        validFrom: { type: String, default: null },
        validTo: { type: String, default: null },
      },
    ],
    endpoint: { type: String, default: null },
    /**
     * When the hub refused the node's messages (`status` suspended), oldest first, the last one
     * open (`to` null) while it lasts. Written with each status change in the registry's
     * transaction: the monthly report reads them to tell a month the hub refused the province's
     * batches (暂停接入) from one it sent nothing in (未上报); the status alone is only today's.
     * A node suspended before this was kept has no interval for that suspension.
     */
    suspensions: [
      {
        _id: false,
        from: { type: Date, required: true },
        to: { type: Date, default: null },
      },
    ],
    registeredAt: { type: Date, required: true },
    /**
     * Steps with every registration: a registration writes only over the revision it read (absent
     * on nodes registered before it existed), so two at once cannot both write their key list.
     */
    revision: { type: Number, default: 0 },
    /**
     * When a write the node's messages caused last committed (see holdNodeForWrite): written only
     * so that the write conflicts with a status or key change made meanwhile.
     */
    lastWriteAt: { type: Date, default: null },
    /**
     * Counts those writes: a write that changes nothing is no write (the rounds of one batch share
     * their arrival time), and only a real write conflicts with a change made meanwhile.
     */
    writeHolds: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false },
);
/**
 * Not unique: a unique multikey index would not build on a registry that already holds a key twice,
 * and changing this index's options conflicts with the one every deployed hub has. One province per
 * key is kept by `register`, which checks inside the registry's transaction (see `changeNode`).
 */
nodeSchema.index({ "nodeKeys.keyId": 1 });

export type NodeDoc = InferSchemaType<typeof nodeSchema>;

/** The registered nodes (`hub_nodes`). */
export function nodeModel(conn: Connection): Model<NodeDoc> {
  return (
    (conn.models.HubNode as Model<NodeDoc> | undefined) ??
    conn.model<NodeDoc>("HubNode", nodeSchema, "hub_nodes")
  );
}

/**
 * Inside `session`, checks that `provinceCode`'s node is still active and (when given) still holds
 * `keyId` unretired, by WRITING the node's document, and refuses with the gate's own codes when it
 * is not. The gate checks the node once when a request arrives; a batch then waits seconds in the
 * round queue, so a suspension or key retirement in between would still let the request write.
 * A write, not a read: a status or key change committing meanwhile conflicts with it, the
 * transaction runs again, and this then refuses. `keyId` is absent only for in-process callers
 * (scripts, tests) that hold no node key.
 */
export async function holdNodeForWrite(
  conn: Connection,
  session: ClientSession,
  node: { provinceCode: string; keyId?: string },
  at: Date,
): Promise<void> {
  const Nodes = nodeModel(conn);
  const held = await Nodes.updateOne(
    {
      provinceCode: node.provinceCode,
      status: "active",
      ...(node.keyId ? { nodeKeys: { $elemMatch: { keyId: node.keyId, retiredAt: null } } } : {}),
    },
    { $set: { lastWriteAt: at }, $inc: { writeHolds: 1 } },
    { session },
  );
  if (held.matchedCount === 1) return;
  const current = await Nodes.findOne({ provinceCode: node.provinceCode }, { status: 1 })
    .session(session)
    .lean();
  // The gate's refusals (sharing/node-gate.ts), so a province sees one answer whichever check met the change.
  if (current?.status === "suspended") throw new AppError("node_suspended", 403, "节点已被停用");
  throw new AppError("unknown_key", 401, "未登记的节点密钥");
}
