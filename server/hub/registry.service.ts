import { Schema, type ClientSession, type Connection, type InferSchemaType, type Model } from "mongoose";
import {
  MAX_CERTIFICATE_KEYS,
  type CertificateKeysAnnouncement,
  type CertificateKeysReceipt,
  type RegisterNodeBody,
  type RegisteredNodeDto,
} from "../contracts/hub-registry.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { isKnownDivision } from "../organisation/index.js";
import { keyIdOf, publicKeyFromX, type KnownNode } from "../sharing/index.js";

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
    registeredAt: { type: Date, required: true },
    /**
     * Steps with every registration: a registration writes only over the revision it read (absent
     * on nodes registered before it existed), so two at once cannot both write their key list.
     */
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, minimize: false },
);
nodeSchema.index({ "nodeKeys.keyId": 1 });

type NodeDoc = InferSchemaType<typeof nodeSchema>;

function nodeModel(conn: Connection): Model<NodeDoc> {
  return (conn.models.HubNode as Model<NodeDoc> | undefined) ?? conn.model<NodeDoc>("HubNode", nodeSchema, "hub_nodes");
}

/** A registered certificate key with when the hub vouches for it from (see `registeredFrom`). */
export type DatedCertificateKey = RegisteredNodeDto["certificateKeys"][number] & { validFrom: string };

/**
 * A key bound as the hub answers it: an instant, always. Keys registered or announced now are kept
 * as instants; records from before keep the day they were stored with (a day means its UTC
 * midnight, as every verifier reads it, keyCoversIssue), converted here at each read rather than
 * rewritten, so an old record means exactly what it meant, now in the one form every reader gets.
 */
const asInstant = (bound: string): string => new Date(Date.parse(bound)).toISOString();

/**
 * The start of a key kept from before starts were stored: its node's registration, from the UTC
 * midnight of that day, as the hub always dated such keys (not the instant: a certificate the key
 * signed earlier that day verified, and must go on verifying).
 */
const legacyStart = (registeredAt: Date): string =>
  new Date(Date.UTC(registeredAt.getUTCFullYear(), registeredAt.getUTCMonth(), registeredAt.getUTCDate())).toISOString();

/**
 * The registry's version, one document (`_id: "nodes"`) in `hub_registry_meta`, stepped in the
 * transaction of every change to a node (registration, new key, status).
 */
const REGISTRY_VERSION = "nodes";

/** The node keys known per connection, shared by every registry on it (the hub's and the exchange's gates). */
const keyCaches = new WeakMap<Connection, { version: number; keys: Map<string, KnownNode> }>();

interface HeldCertificateKey {
  kid: string;
  suite: "ed25519" | "sm2-sm3";
  publicKey: string;
  validFrom?: string | null;
  validTo?: string | null;
}

/** A held key with its bounds as instants (`asInstant`; a missing start is its node's `legacyStart`). */
function datedKey(key: HeldCertificateKey, registeredAt: Date): HeldCertificateKey & { validFrom: string; validTo: string | null } {
  return {
    kid: key.kid,
    suite: key.suite,
    publicKey: key.publicKey,
    validFrom: key.validFrom ? asInstant(key.validFrom) : legacyStart(registeredAt),
    validTo: key.validTo ? asInstant(key.validTo) : null,
  };
}

/**
 * A key bound as an instant, in ms. Bounds arrive as an instant or (older nodes, the operator) a
 * day, and records stored before bounds were kept as instants hold days; a day means its UTC
 * midnight, as every verifier reads it (keyCoversIssue): a day-only end is the day after the key's
 * last day. Compared as strings, a day and an instant of that day were misordered, and an instant
 * ended nothing before the next day.
 */
const boundMs = (bound: string): number => Date.parse(bound);

/** The hub's keys of a province with those it announced merged in (see announceCertificateKeys). */
function mergeAnnouncedKeys(
  held: readonly HeldCertificateKey[],
  announced: CertificateKeysAnnouncement["certificateKeys"],
  now: Date,
): { keys: HeldCertificateKey[]; changed: boolean; refused: CertificateKeysReceipt["refused"] } {
  const keys = held.map((k) => ({ kid: k.kid, suite: k.suite, publicKey: k.publicKey, validFrom: k.validFrom ?? null, validTo: k.validTo ?? null }));
  const refused: CertificateKeysReceipt["refused"] = [];
  let changed = false;
  for (const a of announced) {
    const known = keys.find((k) => k.kid === a.kid);
    if (known && known.publicKey !== a.publicKey) {
      refused.push({ kid: a.kid, code: "kid_in_use", message: `密钥标识 ${a.kid} 已登记为另一把公钥` });
    } else if (known) {
      if (a.validTo && (!known.validTo || boundMs(a.validTo) < boundMs(known.validTo))) {
        known.validTo = asInstant(a.validTo);
        changed = true;
      }
    } else if (a.validTo && boundMs(a.validTo) <= now.getTime()) {
      // Ended before the hub heard of it: from now on it signs nothing the list could vouch for.
      continue;
    } else if (keys.length >= MAX_CERTIFICATE_KEYS) {
      refused.push({ kid: a.kid, code: "too_many_keys", message: `每省至多登记 ${MAX_CERTIFICATE_KEYS} 把证照签名密钥，请联系全国中心运维人员` });
    } else {
      // From when the hub heard of it at the earliest, to the instant: dated from the start of its
      // day, a key announced by a stolen node key was vouched for hours back.
      // Kept as instants, whatever form was sent (an older node sends days).
      const validFrom = a.validFrom && boundMs(a.validFrom) > now.getTime() ? asInstant(a.validFrom) : now.toISOString();
      keys.push({ kid: a.kid, suite: a.suite, publicKey: a.publicKey, validFrom, validTo: a.validTo ? asInstant(a.validTo) : null });
      changed = true;
    }
  }
  return { keys, changed, refused };
}

export function createRegistryService(conn: Connection) {
  const Nodes = nodeModel(conn);
  const Meta = conn.collection<{ _id: string; version: number }>("hub_registry_meta");

  /** Writes a node change and steps the registry version in one transaction, so no instance keeps trusting a stale key. */
  async function changeNode<T>(write: (session: ClientSession) => Promise<T>): Promise<T> {
    return conn.transaction(async (session) => {
      const result = await write(session);
      await Meta.updateOne({ _id: REGISTRY_VERSION }, { $inc: { version: 1 } }, { upsert: true, session });
      return result;
    });
  }

  /**
   * Node keys as last read, for the version they were read at. Every inter-node request needs its
   * sender's key; reading the node's document (and building its key object) for each one was a
   * share of the hub's CPU per message. Not a TTL: each use first reads the registry version (one
   * small document by _id), so a key retired or a node suspended on any instance is refused on
   * every instance from the next request on.
   */
  const cache = keyCaches.get(conn) ?? { version: -1, keys: new Map<string, KnownNode>() };
  keyCaches.set(conn, cache);

  /**
   * Since when the hub vouches for a key registered without a start date: since it was first
   * registered (kept through later registrations of the same key), as the instant, as an announced
   * key is dated (`mergeAnnouncedKeys`): the UTC day it used to be dated from vouched for the key
   * hours before anyone registered it. Dated once, at registration: a list that dated it from each
   * read had provinces with only that list refuse everything the key signed before the read. A key
   * kept from before starts were stored keeps the start it always had (`legacyStart`).
   */
  function registeredFrom(
    key: { kid: string; publicKey: string },
    existing: Pick<NodeDoc, "certificateKeys" | "registeredAt"> | null,
    now: Date,
  ): string {
    const known = existing?.certificateKeys.find((k) => k.kid === key.kid && k.publicKey === key.publicKey);
    if (known && existing) return datedKey(known, existing.registeredAt).validFrom;
    return now.toISOString();
  }

  function toDto(n: NodeDoc): RegisteredNodeDto {
    return {
      provinceCode: n.provinceCode,
      name: n.name,
      status: n.status,
      nodeKeys: n.nodeKeys.map((k) => ({
        keyId: k.keyId,
        publicKey: k.publicKey,
        addedAt: k.addedAt.toISOString(),
        retiredAt: k.retiredAt ? k.retiredAt.toISOString() : null,
      })),
      // Every start and end as an instant, old records' days and missing starts converted (`datedKey`).
      certificateKeys: n.certificateKeys.map((held) => {
        const k = datedKey(held, n.registeredAt);
        return {
          kid: k.kid,
          suite: k.suite,
          publicKey: k.publicKey,
          validFrom: k.validFrom,
          ...(k.validTo ? { validTo: k.validTo } : {}),
        };
      }),
      endpoint: n.endpoint ?? null,
      registeredAt: n.registeredAt.toISOString(),
    };
  }

  return {
    /** Registers a province node, or updates it (a new node key retires the previous one). */
    async register(body: RegisterNodeBody): Promise<RegisteredNodeDto> {
      if (!isKnownDivision(body.provinceCode)) throw errors.badRequest("unknown_province", `未知的省级代码 ${body.provinceCode}`);
      try {
        publicKeyFromX(body.nodeKey);
      } catch {
        throw errors.badRequest("invalid_node_key", "节点公钥不是合法的 Ed25519 公钥");
      }
      const keyId = keyIdOf(body.nodeKey);
      const holder = await Nodes.findOne({ "nodeKeys.keyId": keyId, provinceCode: { $ne: body.provinceCode } }).lean();
      if (holder) throw errors.conflict("node_key_in_use", "该节点密钥已登记给其他省份");
      const now = new Date();
      const existing = await Nodes.findOne({ provinceCode: body.provinceCode }).lean();
      // A retired key stays retired: taken again it stayed retired and retired the current one
      // (the province had no key left and every message it sent was refused unknown_key), and
      // bringing it back would trust again a key that may have been retired because it leaked.
      if (existing?.nodeKeys.some((k) => k.keyId === keyId && k.retiredAt))
        throw errors.conflict("node_key_retired", "该节点密钥已停用，不能再次登记；请为该省节点生成新的密钥");
      const nodeKeys: { keyId: string; publicKey: string; addedAt: Date; retiredAt: Date | null }[] = (
        existing?.nodeKeys ?? []
      ).map((k) => ({
        keyId: k.keyId,
        publicKey: k.publicKey,
        addedAt: k.addedAt,
        retiredAt: k.retiredAt ?? (k.keyId === keyId ? null : now),
      }));
      if (!nodeKeys.some((k) => k.keyId === keyId)) nodeKeys.push({ keyId, publicKey: body.nodeKey, addedAt: now, retiredAt: null });
      const fields = {
        name: body.name,
        nodeKeys,
        certificateKeys: body.certificateKeys
          ? body.certificateKeys.map((k) => ({
              ...k,
              // Kept as instants, whatever form was sent (a day is its UTC midnight).
              validFrom: k.validFrom ? asInstant(k.validFrom) : registeredFrom(k, existing, now),
              validTo: k.validTo ? asInstant(k.validTo) : null,
            }))
          : (existing?.certificateKeys ?? []),
        endpoint: body.endpoint ?? null,
      };
      // Written over the state read above, never over another registration's: the key list is
      // computed from that state, and two key changes at once each wrote their own list, the
      // second dropping the first's key (neither current nor retired). The one that lost is refused.
      const refused = () =>
        errors.conflict("registration_conflict", "该省节点的登记刚被他人修改，请刷新后核对，再重新提交");
      try {
        const doc = await changeNode(async (session) => {
          if (!existing) {
            const [created] = await Nodes.create(
              [{ ...fields, provinceCode: body.provinceCode, status: "active", registeredAt: now, revision: 1 }],
              { session },
            );
            return created?.toObject();
          }
          const read = existing.revision === undefined ? { $exists: false } : existing.revision;
          const updated = await Nodes.findOneAndUpdate(
            { provinceCode: body.provinceCode, revision: read },
            { $set: fields, $inc: { revision: 1 } },
            { returnDocument: "after", session },
          ).lean();
          if (!updated) throw refused();
          return updated;
        });
        if (!doc) throw new Error("registration returned nothing");
        return toDto(doc);
      } catch (err) {
        // Another registration created the province's node first (the unique province code).
        if (!existing && isDuplicateKey(err, "provinceCode")) throw refused();
        throw err;
      }
    },

    /**
     * A province's own announcement of its certificate keys (signed with its node key, so only for
     * its own province). Only what keeps every certificate it signed verifiable is taken: a key the
     * hub does not list is added, dated from no earlier than now (the hub never vouches for a key
     * before it learned of it, so a stolen node key cannot back-date one), and a listed key may be
     * ended earlier, never later (a key ended because it leaked stays ended), to the instant sent.
     * Nothing is removed; the operator's registration still replaces the whole list.
     */
    async announceCertificateKeys(
      body: CertificateKeysAnnouncement,
      provinceCode: string,
      now = new Date(),
    ): Promise<CertificateKeysReceipt> {
      for (let attempt = 1; ; attempt++) {
        const existing = await Nodes.findOne({ provinceCode }).lean();
        if (!existing) throw errors.notFound("省级节点");
        const merged = mergeAnnouncedKeys(existing.certificateKeys, body.certificateKeys, now);
        const listed = (keys: readonly HeldCertificateKey[]) =>
          keys.map((held) => {
            const k = datedKey(held, existing.registeredAt);
            return { kid: k.kid, validFrom: k.validFrom, validTo: k.validTo };
          });
        if (!merged.changed) return { provinceCode, listed: listed(existing.certificateKeys), refused: merged.refused };
        // Over the revision read, as a registration: one made meanwhile is read again and merged with.
        const read = existing.revision === undefined ? { $exists: false } : existing.revision;
        const updated = await changeNode((session) =>
          Nodes.findOneAndUpdate(
            { provinceCode, revision: read },
            { $set: { certificateKeys: merged.keys }, $inc: { revision: 1 } },
            { returnDocument: "after", session },
          ).lean(),
        );
        if (updated) return { provinceCode, listed: listed(updated.certificateKeys), refused: merged.refused };
        if (attempt >= 3)
          throw errors.conflict("registration_conflict", "该省节点的登记刚被他人修改，请稍后重新提交证照签名密钥");
      }
    },

    async setStatus(provinceCode: string, status: "active" | "suspended"): Promise<RegisteredNodeDto> {
      const doc = await changeNode((session) =>
        Nodes.findOneAndUpdate({ provinceCode }, { $set: { status } }, { returnDocument: "after", session }).lean(),
      );
      if (!doc) throw errors.notFound("省级节点");
      return toDto(doc);
    },

    async list(): Promise<RegisteredNodeDto[]> {
      const rows = await Nodes.find({}).sort({ provinceCode: 1 }).lean();
      return rows.map(toDto);
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
      const node = await Nodes.findOne({ nodeKeys: { $elemMatch: { keyId, retiredAt: null } } }).lean();
      const key = node?.nodeKeys.find((k) => k.keyId === keyId);
      if (!node || !key) return null;
      const known = { peer: node.provinceCode, publicKey: publicKeyFromX(key.publicKey), active: node.status === "active" };
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

    /**
     * Every registered province's certificate signing keys (for the national trust list), a
     * suspended node's too: suspension stops its messages, while the certificates it signed stay
     * genuine (a key that must no longer be trusted is ended by its own validity). Each key is
     * dated in instants (`toDto`): one kept from before starts were stored, from its node's
     * registration day.
     */
    async certificateKeys(): Promise<{ provinceCode: string; keys: DatedCertificateKey[] }[]> {
      const rows = await Nodes.find({}).sort({ provinceCode: 1 }).lean();
      return rows.map((n) => ({
        provinceCode: n.provinceCode,
        keys: toDto(n).certificateKeys.map((k) => ({ ...k, validFrom: k.validFrom ?? legacyStart(n.registeredAt) })),
      }));
    },
  };
}
export type RegistryService = ReturnType<typeof createRegistryService>;
