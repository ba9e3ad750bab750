import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

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
