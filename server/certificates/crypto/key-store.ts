import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  type Stats,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { SignatureSuite } from "../../contracts/certificates.js";
import { errors } from "../../lib/errors.js";
import { createSigner, generateKeyPair, keyIdOf, type Signer } from "./suites.js";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A node's signing keys, kept in its data directory (never in the repository, never sent anywhere):
 * `certificate` keys sign QR payloads, records and status lists; the `trust-list` key signs the
 * node's own trust list until the hub signs the national one. Generated on first start; rotation
 * ends the current key (`validTo`) at a switch time (now, or later with a lead) and adds a new one
 * from then, and closed keys stay on the trust list so everything they signed still verifies.
 *
 * Every app instance of the node shares the directory. Each one signs with the key whose validity
 * covers its own clock's now, read from the file as it is now (an instance that kept its first read
 * went on signing with a key another instance had closed, and everything it issued then was refused
 * `key_not_valid_at_issue`); a rotation changes the file under a lock, from the file as it is then
 * (one that wrote its own stale copy dropped the key another instance had added).
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

export interface RotateOptions {
  /** The new key's suite; the current key's by default. */
  suite?: SignatureSuite;
  /**
   * How long after now the new key takes over (0: at once). Published ahead, the new key is on
   * every instance's and every peer's copy of the trust list before anything is signed with it.
   */
  leadMs?: number;
  /**
   * The kid the caller saw in use (the open key of `purpose`): when another rotation has replaced it
   * since, this one is refused `key_rotated_meanwhile` instead of rotating a second time.
   */
  expectOpen?: string;
}

export interface KeyStore {
  /** Every key ever used, public parts only matter to callers; closed ones included. */
  all(): StoredKey[];
  /** The key of `purpose` in use at the clock's now, as the shared key file says now. */
  active(purpose: StoredKey["purpose"]): ActiveKey;
  /** The key of `purpose` in use at `at` (a list is signed by the key in use when it is dated). */
  activeAt(purpose: StoredKey["purpose"], at: Date): ActiveKey;
  /** The open key of `purpose` (see `openKeyOf`), as the shared key file says now; null: none. */
  open(purpose: StoredKey["purpose"]): StoredKey | null;
  /** The key the rotation that ended `kid` made (see `successorOf`); null while `kid` is open. */
  successorOf(kid: string): StoredKey | null;
  /**
   * Ends every key of `purpose` still in use (or waiting to start) at the switch, now + `leadMs`,
   * and adds a new one from then. Refused `key_rotation_in_progress` while another instance rotates.
   */
  rotate(purpose: StoredKey["purpose"], options?: RotateOptions): Promise<StoredKey>;
}

export interface KeyStoreOptions {
  /** How long a rotation waits for another instance's lock before it is refused. */
  lockWaitMs?: number;
}

/** A lock older than this was left by a rotation that died (a rotation takes milliseconds). */
const STALE_LOCK_MS = 60_000;
const LOCK_WAIT_MS = 5_000;

function newKey(purpose: StoredKey["purpose"], suite: SignatureSuite, from: Date): StoredKey {
  const pair = generateKeyPair(suite);
  return {
    purpose,
    kid: keyIdOf(suite, pair.publicKey),
    suite,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    validFrom: from.toISOString(),
    validTo: null,
  };
}

/**
 * The open key of `purpose`: the newest that no rotation has ended yet (`validTo` null), whether it
 * signs already or waits for its switch. It is the one the next rotation ends, so this one rule
 * decides what a rotation expects (`expectOpen`), what the signing service reports open and which
 * key the scheduled rotation times. Not `keyInUse`: during a rotation's lead the old key still
 * signs, but it is no longer open (it has its end), and rotating it again would be a second rotation.
 */
export function openKeyOf(keys: readonly StoredKey[], purpose: StoredKey["purpose"]): StoredKey | null {
  return keys.filter((k) => k.purpose === purpose && k.validTo === null).at(-1) ?? null;
}

/**
 * The key made by the rotation that ended `kid`: the next key of its purpose in the file. A
 * rotation, under the file's lock, ends every open key and appends its new one, so the key after
 * `kid` is that rotation's, whatever later rotations added. Null while `kid` is open (not rotated)
 * or unknown. How an interrupted rotation is found finished (key-rotation.ts).
 */
export function successorOf(keys: readonly StoredKey[], kid: string): StoredKey | null {
  const from = keys.find((k) => k.kid === kid);
  if (!from || from.validTo === null) return null;
  const same = keys.filter((k) => k.purpose === from.purpose);
  return same[same.indexOf(from) + 1] ?? null;
}

/**
 * The key of `purpose` to sign with at `now`: of those not yet ended, the latest started; when none
 * has started by this clock (it runs behind the one that made the keys), the next to start, which
 * the caller still checks against the time it signs for.
 */
function keyInUse(keys: readonly StoredKey[], purpose: StoredKey["purpose"], now: Date): StoredKey | null {
  const at = now.getTime();
  const open = keys.filter(
    (k) => k.purpose === purpose && (k.validTo === null || Date.parse(k.validTo) > at),
  );
  const started = open.filter((k) => Date.parse(k.validFrom) <= at);
  const pick = (list: StoredKey[], later: (a: number, b: number) => boolean) =>
    list.reduce<StoredKey | null>(
      (best, k) => (best && !later(Date.parse(k.validFrom), Date.parse(best.validFrom)) ? best : k),
      null,
    );
  return pick(started, (a, b) => a >= b) ?? pick(open, (a, b) => a < b);
}

const sameFile = (a: Stats, b: Stats) => a.ino === b.ino && a.dev === b.dev;

/**
 * Takes `lockPath` (created exclusively; its holder is written into it) and returns its release,
 * which removes only the lock it took. A lock older than STALE_LOCK_MS is moved aside first: only the
 * instance whose rename moved that very file removes it; one that moved a fresh lock instead (taken
 * just then by another instance) puts it back.
 */
async function takeLock(lockPath: string, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      let mine: Stats;
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
        mine = fstatSync(fd);
      } finally {
        closeSync(fd);
      }
      return () => {
        try {
          if (sameFile(statSync(lockPath), mine)) rmSync(lockPath, { force: true });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (breakIfStale(lockPath)) continue;
    if (Date.now() >= deadline)
      throw errors.conflict(
        "key_rotation_in_progress",
        "另一个实例正在更换签名密钥，请稍后查看密钥列表，确有需要再重试",
      );
    // Waits without holding the event loop (a rotation runs inside a serving node).
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

/** Moves a stale lock out of the way; true when the lock may be tried again at once. */
function breakIfStale(lockPath: string): boolean {
  let seen: Stats;
  try {
    seen = statSync(lockPath);
  } catch {
    return true; // released meanwhile
  }
  if (Date.now() - seen.mtimeMs < STALE_LOCK_MS) return false;
  const aside = `${lockPath}.${randomBytes(6).toString("hex")}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return true; // another instance moved it first
  }
  try {
    if (!sameFile(statSync(aside), seen)) linkSync(aside, lockPath);
  } catch {
    // A newer lock is in place already: it holds, the one moved aside is dropped.
  } finally {
    rmSync(aside, { force: true });
  }
  return true;
}

/**
 * Refuses (throws) when a production instance would make keys in `dir`, which holds none, although
 * its province already has keys in the database (`registered` finds one): every instance must mount
 * the one shared CERT_KEYS_DIR, and an instance on a folder of its own signed with a key set of its
 * own, which it added to the registry beside the others'.
 */
export async function refuseSecondKeySet(dir: string, registered: () => Promise<unknown>): Promise<void> {
  if (existsSync(join(dir, FILE)) || !(await registered())) return;
  throw new Error(
    `CERT_KEYS_DIR ${dir} holds no signing keys, but this province already has keys in the database: ` +
      "another instance made them. Refusing to make a second key set; mount the shared key volume " +
      "(the CERT_KEYS_DIR of the other instances) and start again",
  );
}

/**
 * Opens (or on first start creates) the key file in `dir`. Creation is atomic (`link` of a finished
 * temporary file fails if another instance won), so two instances starting together share one set.
 */
export function openKeyStore(
  dir: string,
  suite: SignatureSuite,
  clock: () => Date = () => new Date(),
  options: KeyStoreOptions = {},
): KeyStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, FILE);
  const tmpPath = () => `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  if (!existsSync(path)) {
    const now = clock();
    const initial: KeyFile = {
      format: "roadcert-node-keys/1",
      keys: [newKey("certificate", suite, now), newKey("trust-list", suite, now)],
    };
    const tmp = tmpPath();
    writeFileSync(tmp, JSON.stringify(initial, null, 2), { mode: 0o600 });
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  let file: KeyFile = { format: "roadcert-node-keys/1", keys: [] };
  let read: Stats | null = null;
  const signers = new Map<string, Signer>();

  /**
   * The file as it is now: read again when another instance replaced it (a rotation renames a new
   * file over it, so its inode changes; size and times are compared too). One stat per use.
   */
  function current(): KeyFile {
    const now = statSync(path);
    if (
      !read ||
      !sameFile(now, read) ||
      now.size !== read.size ||
      now.mtimeMs !== read.mtimeMs ||
      now.ctimeMs !== read.ctimeMs
    ) {
      file = KeyFile.parse(JSON.parse(readFileSync(path, "utf8")));
      read = now;
    }
    return file;
  }

  function activeKey(purpose: StoredKey["purpose"], at: Date): StoredKey {
    const key = keyInUse(current().keys, purpose, at);
    if (!key) throw new Error(`no ${purpose} key in use in ${path}`);
    return key;
  }

  function activeAt(purpose: StoredKey["purpose"], at: Date): ActiveKey {
    const key = activeKey(purpose, at);
    let signer = signers.get(key.kid);
    if (!signer) {
      signer = createSigner(key);
      signers.set(key.kid, signer);
    }
    return { kid: key.kid, signer, key };
  }

  return {
    all: () => current().keys.map((k) => ({ ...k })),
    open(purpose) {
      const key = openKeyOf(current().keys, purpose);
      return key && { ...key };
    },
    successorOf(kid) {
      const key = successorOf(current().keys, kid);
      return key && { ...key };
    },
    active: (purpose) => activeAt(purpose, clock()),
    activeAt,
    async rotate(purpose, rotation = {}) {
      const release = await takeLock(`${path}.lock`, options.lockWaitMs ?? LOCK_WAIT_MS);
      try {
        // Read under the lock: another instance's rotation may have changed the file since.
        read = null;
        const keys = current().keys;
        const open = openKeyOf(keys, purpose);
        if (rotation.expectOpen !== undefined && open?.kid !== rotation.expectOpen)
          throw errors.conflict(
            "key_rotated_meanwhile",
            "签名密钥已由其他实例更换，本次未再更换；请查看密钥列表",
            { expected: rotation.expectOpen, open: open?.kid ?? null },
          );
        const switchAt = new Date(clock().getTime() + Math.max(0, rotation.leadMs ?? 0));
        const latest = keys.filter((k) => k.purpose === purpose).at(-1);
        const next = newKey(purpose, rotation.suite ?? latest?.suite ?? suite, switchAt);
        const at = switchAt.getTime();
        const ended = (k: StoredKey): StoredKey =>
          k.purpose !== purpose || (k.validTo !== null && Date.parse(k.validTo) <= at)
            ? k
            : { ...k, validTo: new Date(Math.max(at, Date.parse(k.validFrom))).toISOString() };
        const changed: KeyFile = { ...file, keys: [...keys.map(ended), next] };
        const tmp = tmpPath();
        writeFileSync(tmp, JSON.stringify(changed, null, 2), { mode: 0o600 });
        renameSync(tmp, path);
        return next;
      } finally {
        release();
      }
    },
  };
}
