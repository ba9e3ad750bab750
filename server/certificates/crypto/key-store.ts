import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { SignatureSuite } from "../../contracts/certificates.js";
import { createSigner, generateKeyPair, keyIdOf, type Signer } from "./suites.js";

/**
 * A node's signing keys, kept in its data directory (never in the repository, never sent anywhere):
 * `certificate` keys sign QR payloads, records and status lists; the `trust-list` key signs the
 * node's own trust list until the hub signs the national one. Generated on first start; rotation
 * closes the current key (`validTo`) and adds a new one, and closed keys stay on the trust list so
 * everything they signed still verifies.
 */
const StoredKey = z.object({
  purpose: z.enum(["certificate", "trust-list"]),
  kid: z.string(),
  suite: SignatureSuite,
  publicKey: z.string(),
  privateKey: z.string(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
});
export type StoredKey = z.infer<typeof StoredKey>;
const KeyFile = z.object({ format: z.literal("roadcert-node-keys/1"), keys: z.array(StoredKey) });
type KeyFile = z.infer<typeof KeyFile>;

const FILE = "signing-keys.json";

export interface ActiveKey {
  kid: string;
  signer: Signer;
  key: StoredKey;
}

export interface KeyStore {
  /** Every key ever used, public parts only matter to callers; closed ones included. */
  all(): StoredKey[];
  active(purpose: StoredKey["purpose"]): ActiveKey;
  rotate(purpose: StoredKey["purpose"], suite?: SignatureSuite): StoredKey;
}

function newKey(purpose: StoredKey["purpose"], suite: SignatureSuite, now: Date): StoredKey {
  const pair = generateKeyPair(suite);
  return {
    purpose,
    kid: keyIdOf(suite, pair.publicKey),
    suite,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    validFrom: now.toISOString(),
    validTo: null,
  };
}

/**
 * Opens (or on first start creates) the key file in `dir`. Creation is atomic (`link` of a finished
 * temporary file fails if another instance won), so two instances starting together share one set.
 */
export function openKeyStore(
  dir: string,
  suite: SignatureSuite,
  clock: () => Date = () => new Date(),
): KeyStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, FILE);
  if (!existsSync(path)) {
    const now = clock();
    const initial: KeyFile = {
      format: "roadcert-node-keys/1",
      keys: [newKey("certificate", suite, now), newKey("trust-list", suite, now)],
    };
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, JSON.stringify(initial, null, 2), { mode: 0o600 });
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  let file = KeyFile.parse(JSON.parse(readFileSync(path, "utf8")));
  const signers = new Map<string, Signer>();

  function activeKey(purpose: StoredKey["purpose"]): StoredKey {
    const key = file.keys.filter((k) => k.purpose === purpose && k.validTo === null).at(-1);
    if (!key) throw new Error(`no active ${purpose} key in ${path}`);
    return key;
  }

  return {
    all: () => file.keys.map((k) => ({ ...k })),
    active(purpose) {
      const key = activeKey(purpose);
      let signer = signers.get(key.kid);
      if (!signer) {
        signer = createSigner(key);
        signers.set(key.kid, signer);
      }
      return { kid: key.kid, signer, key };
    },
    rotate(purpose, nextSuite) {
      const now = clock();
      const current = activeKey(purpose);
      const next = newKey(purpose, nextSuite ?? current.suite, now);
      file = {
        ...file,
        keys: [...file.keys.map((k) => (k === current ? { ...k, validTo: now.toISOString() } : k)), next],
      };
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
      renameSync(tmp, path);
      return next;
    },
  };
}
