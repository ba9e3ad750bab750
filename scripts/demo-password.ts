/**
 * The demo accounts' password, made once per install: a fixed password in the repository would be
 * the same on every machine that ever ran the demo, including ones reachable from a network. It is
 * kept in `<DATA_DIR>/secrets/demo-password` (never committed, like the data it unlocks) and printed
 * by `npm start`; delete `./data/` and the next start makes a new one.
 */
import { randomInt } from "node:crypto";
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
