import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Schema, type Connection } from "mongoose";
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

/**
 * Records the node key's id in the node's database on the first start and checks it at every
 * later one. Several instances of one node must share its key (NODE_KEY_DIR on one volume): an
 * instance on an empty folder of its own made a second key, which neither the hub's registry nor
 * the provinces' pin knew, and nothing said so. In production a key other than the recorded one
 * is refused (a key this start just made is removed again); elsewhere it is warned about, since
 * the demo's and tests' nodes come and go with their folders.
 */
export async function pinNodeKey(
  conn: Connection,
  key: NodeKey,
  opts: { dir: string; production: boolean; logger: Logger },
): Promise<void> {
  const Identity = modelOn<NodeIdentityDoc>(conn, "NodeIdentity", nodeIdentitySchema, "node_identity");
  // An upsert, so of two instances starting at once with different keys one records and the other
  // reads the first's key back (a racing upsert on one _id may instead fail as a duplicate: read).
  const recorded = await Identity.findOneAndUpdate(
    { _id: NODE_KEY_DOC },
    { $setOnInsert: { keyId: key.keyId, publicKey: key.publicKeyX, recordedAt: new Date() } },
    { upsert: true, new: true, lean: true },
  ).catch(async (err: unknown) => {
    if ((err as { code?: number }).code !== 11000) throw err;
    return Identity.findById(NODE_KEY_DOC).lean();
  });
  if (!recorded || recorded.keyId === key.keyId) return;
  const file = path.resolve(path.join(opts.dir, KEY_FILE));
  const message =
    `NODE_KEY_DIR ${opts.dir} holds node key ${key.keyId}, but this node's database records node key ` +
    `${recorded.keyId}: every instance of a node must mount the same NODE_KEY_DIR (the shared key volume)`;
  if (!opts.production) {
    opts.logger.warn({ dir: opts.dir, keyId: key.keyId, recorded: recorded.keyId }, message);
    return;
  }
  if (madeHere.delete(file)) {
    rmSync(file, { force: true });
    throw new Error(`${message}. This start found the folder empty and made a key; it was removed again`);
  }
  throw new Error(`${message}. Refusing to start as a second identity`);
}

/**
 * Pins the node key at start (pinNodeKey): listed before the features that sign with the key
 * (features start in order), so a refusal stops the node before its publisher or gate runs.
 */
export function createNodeKeyPinFeature(ctx: FeatureContext): Feature {
  const { conn, config, logger } = ctx;
  return {
    name: "node-key-pin",
    start: () =>
      pinNodeKey(conn, loadOrCreateNodeKey(config.nodeKey.dir), {
        dir: config.nodeKey.dir,
        production: config.env === "production",
        logger,
      }),
  };
}
