import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Schema, type ClientSession, type Connection, type Model } from "mongoose";
import type { AuditRecordInput } from "../audit/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import type { Logger } from "../lib/logger.js";
import { modelOn } from "../lib/mongo.js";
import { keyIdOf, type NodeKey } from "./signed-message.js";

const KEY_FILE = "node-ed25519.pem";

/** Key files this process made (not found): a start refused for its key takes its own back. */
const madeHere = new Set<string>();

/** A NodeKey from an Ed25519 private key. */
export function nodeKeyFrom(privateKey: KeyObject): NodeKey {
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error("node keys are Ed25519");
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new Error("Ed25519 public key has no x");
  return { keyId: keyIdOf(jwk.x), privateKey, publicKey, publicKeyX: jwk.x };
}

/** A fresh in-memory key (tests, the conformance kit's throwaway identities). */
export function generateNodeKey(): NodeKey {
  return nodeKeyFrom(generateKeyPairSync("ed25519").privateKey);
}

/**
 * The node's signing key, kept in `<dir>/node-ed25519.pem` (mode 0600). Made on first start and
 * never committed: the data dir is outside the repository's tracked files. A key that exists but
 * cannot be read is an error, never silently replaced (a new key would orphan the registration).
 * Synchronous: it runs once at boot, before the node's routes exist.
 */
export function loadOrCreateNodeKey(dir: string): NodeKey {
  const file = path.join(dir, KEY_FILE);
  const read = (): string | null => {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  };
  const existing = read();
  if (existing !== null) return nodeKeyFrom(createPrivateKey(existing));
  const { privateKey } = generateKeyPairSync("ed25519");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // `wx`: two instances starting at once must not overwrite each other's fresh key.
    writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
    madeHere.add(path.resolve(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return nodeKeyFrom(createPrivateKey(read() ?? ""));
}

/** The node's key as its database knows it: recorded on the first start, one document. */
interface NodeIdentityDoc {
  _id: string;
  keyId: string;
  publicKey: string;
  recordedAt: Date;
}
const nodeIdentitySchema = new Schema<NodeIdentityDoc>(
  { _id: String, keyId: String, publicKey: String, recordedAt: Date },
  { versionKey: false },
);
const NODE_KEY_DOC = "node-key";

/** The audit log as a replacement of the recorded key writes to it (the node's audit service). */
interface NodeKeyAuditPort {
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
  append(session: ClientSession, input: AuditRecordInput): Promise<unknown>;
}

interface NodeKeyPinOptions {
  dir: string;
  production: boolean;
  logger: Logger;
  /**
   * NODE_KEY_REPIN: the id of the key that replaces the recorded one on purpose. Only a start
   * loading exactly that key replaces it; one loading another key is refused.
   */
  repin?: string | null;
  /** Where a replacement is audited; without it, it is only logged. */
  audit?: NodeKeyAuditPort;
  /** The division the audit entry names: the province, null on the hub. */
  divisionCode?: string | null;
}

/** Who replaces the recorded key: the operator, through the start setting, not a signed-in user. */
const REPIN_ACTOR = {
  id: "system:node-key-repin",
  kind: "system",
  name: "系统（启动设置 NODE_KEY_REPIN）",
} as const;

/**
 * Records the node key's id in the node's database on the first start and checks it at every
 * later one. Several instances of one node must share its key (NODE_KEY_DIR on one volume): an
 * instance on an empty folder of its own made a second key, which neither the hub's registry nor
 * the provinces' pin knew, and nothing said so. In production a key other than the recorded one
 * is refused (a key this start just made is removed again); elsewhere it is warned about, since
 * the demo's and tests' nodes come and go with their folders. A replacement on purpose (the hub
 * registered a new key after a compromise) names the new key's id in NODE_KEY_REPIN: the start
 * loading that key records it in place of the old one; a start loading any other key is refused
 * in every environment, since the operator said which key the node is to run.
 */
export async function pinNodeKey(conn: Connection, key: NodeKey, opts: NodeKeyPinOptions): Promise<void> {
  const file = path.resolve(path.join(opts.dir, KEY_FILE));
  const refuse = (message: string, why: string): never => {
    if (madeHere.delete(file)) {
      rmSync(file, { force: true });
      throw new Error(`${message}. This start found the folder empty and made a key; it was removed again`);
    }
    throw new Error(`${message}. ${why}`);
  };
  if (opts.repin && opts.repin !== key.keyId)
    refuse(
      `NODE_KEY_REPIN names node key ${opts.repin}, but NODE_KEY_DIR ${opts.dir} holds node key ${key.keyId}: ` +
        `put the key the hub registered into NODE_KEY_DIR, or set NODE_KEY_REPIN to the key id the hub's node ` +
        `list shows for the key in it`,
      "Refusing to start on a key the operator did not name",
    );
  const Identity = modelOn<NodeIdentityDoc>(conn, "NodeIdentity", nodeIdentitySchema, "node_identity");
  // An upsert, so of two instances starting at once with different keys one records and the other
  // reads the first's key back (a racing upsert on one _id may instead fail as a duplicate: read).
  let recorded: NodeIdentityDoc | null = await Identity.findOneAndUpdate(
    { _id: NODE_KEY_DOC },
    { $setOnInsert: { keyId: key.keyId, publicKey: key.publicKeyX, recordedAt: new Date() } },
    { upsert: true, returnDocument: "after", lean: true },
  ).catch(async (err: unknown) => {
    if ((err as { code?: number }).code !== 11000) throw err;
    return Identity.findById(NODE_KEY_DOC).lean();
  });
  if (recorded && recorded.keyId !== key.keyId && opts.repin === key.keyId)
    recorded = await replaceRecordedKey(Identity, recorded, key, opts);
  else if (opts.repin)
    opts.logger.info(
      { keyId: key.keyId },
      "NODE_KEY_REPIN names the node key already recorded: nothing to replace, the setting may be unset",
    );
  if (!recorded || recorded.keyId === key.keyId) return;
  const message =
    `NODE_KEY_DIR ${opts.dir} holds node key ${key.keyId}, but this node's database records node key ` +
    `${recorded.keyId}: every instance of a node must mount the same NODE_KEY_DIR (the shared key volume)`;
  if (!opts.production) {
    opts.logger.warn({ dir: opts.dir, keyId: key.keyId, recorded: recorded.keyId }, message);
    return;
  }
  // The key's public half is named so that an operator replacing the key on purpose can register
  // it at the hub; the id to confirm it with is the one the hub then lists, not copied from here.
  refuse(
    message,
    `Refusing to start as a second identity. To run this key on purpose (a replacement), register its ` +
      `public key ${key.publicKeyX} at the hub and start with NODE_KEY_REPIN set to the key id the hub's ` +
      `node list then shows`,
  );
}

/**
 * NODE_KEY_REPIN: records `key` in place of the recorded key, with its audit entry in the same
 * transaction. Conditional on the old record, so of several instances starting with the setting
 * one replaces and audits, the others find the new key recorded. Returns the record as it is now.
 */
async function replaceRecordedKey(
  Identity: Model<NodeIdentityDoc>,
  recorded: NodeIdentityDoc,
  key: NodeKey,
  opts: NodeKeyPinOptions,
): Promise<NodeIdentityDoc | null> {
  const replace = (session?: ClientSession) =>
    Identity.updateOne(
      { _id: NODE_KEY_DOC, keyId: recorded.keyId },
      { $set: { keyId: key.keyId, publicKey: key.publicKeyX, recordedAt: new Date() } },
      { session },
    );
  const audit = opts.audit;
  const replaced = audit
    ? await audit.transaction(async (session) => {
        if ((await replace(session)).modifiedCount !== 1) return false;
        await audit.append(session, {
          action: "node.key_repinned",
          actor: REPIN_ACTOR,
          divisionCode: opts.divisionCode ?? null,
          target: { type: "node_key", id: key.keyId },
          details: { nodeKeyId: key.keyId, nodeKeyIdBefore: recorded.keyId },
        });
        return true;
      })
    : (await replace()).modifiedCount === 1;
  if (replaced)
    opts.logger.warn(
      { keyId: key.keyId, replaced: recorded.keyId, audited: audit !== undefined },
      `NODE_KEY_REPIN: this node's database now records node key ${key.keyId} in place of node key ` +
        `${recorded.keyId}; the setting may be unset once every instance runs the new key`,
    );
  return Identity.findById(NODE_KEY_DOC).lean();
}

/**
 * Pins the node key at start (pinNodeKey): listed before the features that sign with the key
 * (features start in order), so a refusal stops the node before its publisher or gate runs. It
 * checks the key the node loaded once for every feature (`deps.key`), not a second read of the
 * folder: a file swapped between two reads would have the node sign with a key it never checked.
 */
export function createNodeKeyPinFeature(
  ctx: FeatureContext,
  deps: { key: NodeKey; audit?: NodeKeyAuditPort },
): Feature {
  const { conn, config, logger } = ctx;
  return {
    name: "node-key-pin",
    start: () =>
      pinNodeKey(conn, deps.key, {
        dir: config.nodeKey.dir,
        production: config.env === "production",
        logger,
        repin: config.nodeKey.repin,
        audit: deps.audit,
        divisionCode: config.provinceCode,
      }),
  };
}
