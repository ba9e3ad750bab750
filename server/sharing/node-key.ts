import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { keyIdOf, type NodeKey } from "./signed-message.js";

const KEY_FILE = "node-ed25519.pem";

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
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return nodeKeyFrom(createPrivateKey(read() ?? ""));
}
