import type { ClientSession, Connection } from "mongoose";
import { createAuditService, type AuditLog, type AuditRecordInput } from "../audit/index.js";
import type { AuditActor } from "../contracts/audit.js";
import type {
  CertificateKeysAnnouncement,
  CertificateKeysReceipt,
  RegisterNodeBody,
  RegisteredNodeDto,
} from "../contracts/hub-registry.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { divisionName, isKnownDivision } from "../organisation/index.js";
import { keyIdOf, publicKeyFromX, type KnownNode } from "../sharing/index.js";
import {
  asInstant,
  datedKey,
  legacyStart,
  mergeAnnouncedKeys,
  type HeldCertificateKey,
} from "./certificate-key-bounds.js";
import { createNodeKeyCache } from "./node-key-cache.js";
import { toRegisteredNodeDto } from "./node-presenter.js";
import { holdNodeForWrite, nodeModel, type NodeDoc } from "./node.model.js";

/** A registered certificate key with when the hub vouches for it from (see `registeredFrom`). */
export type DatedCertificateKey = RegisteredNodeDto["certificateKeys"][number] & { validFrom: string };

/** A province as the monthly report covers it (`coverage`). */
export interface ReportCoverage {
  provinceCode: string;
  registeredAt: Date;
  /** Oldest first; `to` null while the suspension lasts. */
  suspensions: { from: Date; to: Date | null }[];
}

type Suspension = { from: Date; to?: Date | null };

/**
 * The suspension intervals after a status change at `now`: a suspension opens one unless one is
 * open already (suspending twice is one suspension), a resumption closes the open one. Intervals
 * before it are kept as they are.
 */
function nextSuspensions(
  held: readonly Suspension[],
  status: "active" | "suspended",
  now: Date,
): { from: Date; to: Date | null }[] {
  const out = held.map((s) => ({ from: s.from, to: s.to ?? null }));
  const open = out.find((s) => s.to === null);
  if (status === "suspended" && !open) out.push({ from: now, to: null });
  if (status === "active" && open) open.to = now;
  return out;
}

/** What a `changeNode` write returns when it found nothing to change: no version is written. */
class Unchanged<T> {
  constructor(readonly value: T) {}
}

/** Who changed the registry when no operator did: a script or a test setting the network up. */
const REGISTRY_SYSTEM_ACTOR: AuditActor = { id: "system:hub-registry", kind: "system", name: "系统（脚本登记）" };

type Actor = AuditRecordInput["actor"];
const actorDivision = (actor: Actor): string | null =>
  actor && "divisionCode" in actor ? actor.divisionCode : null;

/**
 * The hub's registry of trusted province nodes (X-Road's "members"; the schema is node.model.ts).
 * Every change is the network's root of trust changing (whose messages every node believes, whose
 * certificates the national list vouches for), so each is audited in its own transaction. `audit`
 * is the hub's shared log; a registry made without it (the exchange's gate only reads, scripts and
 * tests) appends through a log of its own on the same database, so no change goes unaudited.
 */
export function createRegistryService(conn: Connection, deps: { audit?: AuditLog } = {}) {
  const Nodes = nodeModel(conn);
  // The registry's version and the node keys read at it (node-key-cache.ts).
  const keys = createNodeKeyCache(conn);
  let ownAudit: AuditLog | null = null;
  const audit = (): AuditLog => deps.audit ?? (ownAudit ??= createAuditService(conn));

  /**
   * Writes a node change, its audit entry (appended by `write`) and the registry's next version in
   * one transaction, so no instance keeps trusting a stale key and no change is left unrecorded.
   * Every change writes the one version document, so two changes at once conflict and the later is
   * run again on what the first wrote: a check `write` makes inside (a key held by another
   * province) cannot pass for both.
   */
  async function changeNode<T>(write: (session: ClientSession) => Promise<T | Unchanged<T>>): Promise<T> {
    return audit().transaction(async (session) => {
      const result = await write(session);
      // Nothing written, so no new version: every instance would empty its key cache for nothing.
      if (result instanceof Unchanged) return result.value;
      await keys.stepVersion(session);
      return result;
    });
  }

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

  return {
    /**
     * Registers a province node, or updates it (a new node key retires the previous one), as
     * `actor` (the hub operator; a script or test setting up without one is the system). Refused
     * `node_key_in_use` when another province holds the key, current or retired: two provinces
     * with one key let either's node sign as the other.
     */
    async register(body: RegisterNodeBody, actor: Actor = REGISTRY_SYSTEM_ACTOR): Promise<RegisteredNodeDto> {
      if (!isKnownDivision(body.provinceCode)) throw errors.badRequest("unknown_province", `未知的省级代码 ${body.provinceCode}`);
      try {
        publicKeyFromX(body.nodeKey);
      } catch {
        throw errors.badRequest("invalid_node_key", "节点公钥不是合法的 Ed25519 公钥");
      }
      const keyId = keyIdOf(body.nodeKey);
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
      const details = {
        name: body.name,
        firstRegistration: !existing,
        nodeKeysAdded: existing?.nodeKeys.some((k) => k.keyId === keyId) ? [] : [keyId],
        // Those this registration retires: stamped with this very `now` above (earlier ones keep theirs).
        nodeKeysRetired: nodeKeys.filter((k) => k.retiredAt === now).map((k) => k.keyId),
        certificateKids: fields.certificateKeys.map((k) => k.kid),
        endpoint: fields.endpoint,
      };
      // Written over the state read above, never over another registration's: the key list is
      // computed from that state, and two key changes at once each wrote their own list, the
      // second dropping the first's key (neither current nor retired). The one that lost is refused.
      const refused = () =>
        errors.conflict("registration_conflict", "该省节点的登记刚被他人修改，请刷新后核对，再重新提交");
      try {
        const doc = await changeNode(async (session) => {
          // Inside the transaction (checked before it, two provinces registering one key at once
          // both passed): a registration meanwhile conflicts on the version and this runs again.
          const holder = await Nodes.findOne({ "nodeKeys.keyId": keyId, provinceCode: { $ne: body.provinceCode } })
            .session(session)
            .lean();
          if (holder) throw errors.conflict("node_key_in_use", "该节点密钥已登记给其他省份，请为该省节点生成新的密钥");
          let written: NodeDoc | null | undefined;
          if (!existing) {
            const [created] = await Nodes.create(
              [{ ...fields, provinceCode: body.provinceCode, status: "active", registeredAt: now, revision: 1 }],
              { session },
            );
            written = created?.toObject();
          } else {
            const read = existing.revision === undefined ? { $exists: false } : existing.revision;
            written = await Nodes.findOneAndUpdate(
              { provinceCode: body.provinceCode, revision: read },
              { $set: fields, $inc: { revision: 1 } },
              { returnDocument: "after", session },
            ).lean();
            if (!written) throw refused();
          }
          await audit().append(session, {
            action: "hub.node_registered",
            actor,
            divisionCode: actorDivision(actor),
            target: { type: "hub_node", id: body.provinceCode },
            details,
          });
          return written;
        });
        if (!doc) throw new Error("registration returned nothing");
        return toRegisteredNodeDto(doc);
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
     * Nothing is removed, except to make room in a full list for a new key: a key ended so long ago
     * that no certificate it signed is still valid (mergeAnnouncedKeys); the operator's registration
     * still replaces the whole list. `keyId` is the
     * node key the gate authenticated: the change is refused when that key was retired or the node
     * suspended since (holdNodeForWrite); only in-process callers holding no key leave it out.
     */
    async announceCertificateKeys(
      body: CertificateKeysAnnouncement,
      provinceCode: string,
      keyId?: string,
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
        const updated = await changeNode(async (session) => {
          // The gate checked the node when the message arrived; a suspension or key retirement
          // since then must keep a (possibly leaked) node key's certificate key off the trust list.
          await holdNodeForWrite(conn, session, { provinceCode, ...(keyId ? { keyId } : {}) }, now);
          const doc = await Nodes.findOneAndUpdate(
            { provinceCode, revision: read },
            { $set: { certificateKeys: merged.keys }, $inc: { revision: 1 } },
            { returnDocument: "after", session },
          ).lean();
          // The province itself is the actor: the message was signed with its node key.
          if (doc)
            await audit().append(session, {
              action: "hub.certificate_keys_announced",
              actor: { id: `node:${provinceCode}`, kind: "system", name: `${divisionName(provinceCode) ?? provinceCode}节点（节点密钥签名）` },
              divisionCode: provinceCode,
              target: { type: "hub_node", id: provinceCode },
              details: {
                kidsAdded: merged.added,
                kidsEnded: merged.ended,
                ...(merged.dropped.length ? { kidsDropped: merged.dropped } : {}),
              },
            });
          return doc;
        });
        if (updated) return { provinceCode, listed: listed(updated.certificateKeys), refused: merged.refused };
        if (attempt >= 3)
          throw errors.conflict("registration_conflict", "该省节点的登记刚被他人修改，请稍后重新提交证照签名密钥");
      }
    },

    /**
     * Suspends a node (its messages are refused from the next request on) or makes it active again,
     * as `actor`, at `now`. A suspension opens a dated interval and a resumption closes it, in the
     * same transaction as the status (the monthly report's 暂停接入 is read from them); setting the
     * status it already has changes no interval.
     */
    async setStatus(
      provinceCode: string,
      status: "active" | "suspended",
      actor: Actor = REGISTRY_SYSTEM_ACTOR,
      now: Date = new Date(),
    ): Promise<RegisteredNodeDto> {
      const doc = await changeNode(async (session) => {
        const before = await Nodes.findOne({ provinceCode }).session(session).lean();
        if (!before) throw errors.notFound("省级节点");
        // No change, nothing written: an entry from X to X, and a new registry version that empties
        // every instance's key cache, for a click that changed nothing. Checked here, inside: two
        // identical clicks at once conflict on the write, and the one run again finds it done.
        if (before.status === status) return new Unchanged(before);
        const suspensions = nextSuspensions(before.suspensions ?? [], status, now);
        // The revision steps too: a change written over the revision read before the status changed
        // (an announcement, a registration) is read again, and then meets the new status.
        await Nodes.updateOne({ provinceCode }, { $set: { status, suspensions }, $inc: { revision: 1 } }, { session });
        await audit().append(session, {
          action: "hub.node_status_changed",
          actor,
          divisionCode: actorDivision(actor),
          target: { type: "hub_node", id: provinceCode },
          details: { nodeStatus: { from: before.status, to: status } },
        });
        return { ...before, status };
      });
      return toRegisteredNodeDto(doc);
    },

    /**
     * What the monthly report needs of each registered province: since when it is in the network
     * and when the hub suspended it. Not part of the node DTO (the operator's list): only the
     * report reads the history.
     */
    async coverage(): Promise<ReportCoverage[]> {
      const rows = await Nodes.find({}, { provinceCode: 1, registeredAt: 1, suspensions: 1 })
        .sort({ provinceCode: 1 })
        .lean();
      return rows.map((n) => ({
        provinceCode: n.provinceCode,
        registeredAt: n.registeredAt,
        suspensions: (n.suspensions ?? []).map((s) => ({ from: s.from, to: s.to ?? null })),
      }));
    },

    async list(): Promise<RegisteredNodeDto[]> {
      const rows = await Nodes.find({}).sort({ provinceCode: 1 }).lean();
      return rows.map(toRegisteredNodeDto);
    },

    /** The node holding a current key with this id, as of the registry's version (`createNodeKeyCache`). */
    resolveKey(keyId: string): Promise<KnownNode | null> {
      return keys.resolveKey(keyId);
    },

    /** The node this key id belonged to when last read, without reading it now (`createNodeKeyCache`). */
    keptKey(keyId: string): KnownNode | null {
      return keys.keptKey(keyId);
    },

    /**
     * Every registered province's certificate signing keys (for the national trust list), a
     * suspended node's too: suspension stops its messages, while the certificates it signed stay
     * genuine (a key that must no longer be trusted is ended by its own validity). Each key is
     * dated in instants (`toRegisteredNodeDto`): one kept from before starts were stored, from its node's
     * registration day.
     */
    async certificateKeys(): Promise<{ provinceCode: string; keys: DatedCertificateKey[] }[]> {
      const rows = await Nodes.find({}).sort({ provinceCode: 1 }).lean();
      return rows.map((n) => ({
        provinceCode: n.provinceCode,
        keys: toRegisteredNodeDto(n).certificateKeys.map((k) => ({ ...k, validFrom: k.validFrom ?? legacyStart(n.registeredAt) })),
      }));
    },
  };
}
export type RegistryService = ReturnType<typeof createRegistryService>;
