/**
 * The demo accounts' password, made once per install: a fixed password in the repository would be
 * the same on every machine that ever ran the demo, including ones reachable from a network. It is
 * kept in `<DATA_DIR>/secrets/demo-password` (never committed, like the data it unlocks) and printed
 * by `npm start`; delete `./data/` and the next start makes a new one.
 */
import { createHash, randomInt } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** Letters and digits that cannot be misread for each other (no 0/O, 1/l/I). */
const ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function demoPasswordFile(dataDir: string): string {
  return path.join(dataDir, "secrets", "demo-password");
}

/** `Demo-xxxx-xxxx-xxxx`: ~70 bits, typable from the printed table. */
export function newDemoPassword(): string {
  const group = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return `Demo-${group()}-${group()}-${group()}`;
}

/**
 * This install's demo password: read from the file, or made and written there when there is none.
 * Several nodes may start at once: the first writer wins (`wx`) and the others read its password.
 */
export async function demoPassword(dataDir: string): Promise<string> {
  const file = demoPasswordFile(dataDir);
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (existing.length >= 10) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const fresh = newDemoPassword();
  try {
    await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: "wx" });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return (await readFile(file, "utf8")).trim();
  }
}

/**
 * Which stored password hashes are known to match this install's demo password, so a restart need
 * not check every demo account with scrypt again (~130 ms of CPU each: the accounts hook took ~12 s
 * of a restart of the three nodes). Kept beside the password, in `<DATA_DIR>/secrets/`, one file per
 * node, with the password's SHA-256 so a new password voids it; only hashes that did match are
 * listed, so any other (a password changed in the UI, an older demo's account) is still checked.
 */
export async function demoPasswordChecks(
  dataDir: string,
  nodeName: string,
  password: string,
  verify: (password: string, stored: string) => Promise<boolean>,
): Promise<{
  matches(stored: string): Promise<boolean>;
  remember(stored: string): void;
  save(): Promise<void>;
}> {
  const file = path.join(dataDir, "secrets", `${nodeName}.demo-verified.json`);
  const fingerprint = createHash("sha256").update(password).digest("hex");
  const known = new Set<string>();
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as { password?: unknown; hashes?: unknown };
    if (parsed.password === fingerprint && Array.isArray(parsed.hashes))
      for (const h of parsed.hashes) if (typeof h === "string") known.add(h);
  } catch {
    // No file yet (first start) or an unreadable one: every account is checked.
  }
  let changed = false;
  return {
    async matches(stored) {
      if (known.has(stored)) return true;
      const ok = await verify(password, stored);
      if (ok) {
        known.add(stored);
        changed = true;
      }
      return ok;
    },
    /** A hash just made from the password (a new account): no need to check it at the next start. */
    remember(stored) {
      if (known.has(stored)) return;
      known.add(stored);
      changed = true;
    },
    async save() {
      if (!changed) return;
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, JSON.stringify({ password: fingerprint, hashes: [...known] }) + "\n", {
        mode: 0o600,
      });
    },
  };
}
