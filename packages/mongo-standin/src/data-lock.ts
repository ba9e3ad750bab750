import { createHash, randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/**
 * One process per data folder. Two processes on one journal each replay it, append their own
 * history to it, and may compact it by renaming a copy over it: the first one's later writes then
 * go to a file no longer in the folder and are lost without a word. So whoever opens a data folder
 * first creates a lock file in it (`wx`: exactly one creator wins) holding its pid; any other
 * opener is refused, naming the folder and that pid. A lock whose holder died (killed, power cut)
 * is taken over with a message, by exactly one of the openers that find it (`takeOver`). The lock
 * is removed when its holder releases it or exits (`process.on("exit")`, which also runs when a
 * SIGINT/SIGTERM handler ends with `process.exit`);
 * no signal handler is installed here, since one would take away the default exit on Ctrl-C from
 * every program that embeds this.
 */

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** What the holder is (e.g. "mongo-standin", "npm start"), for the message. */
  owner: string;
  startedAt: string;
  /** Tells this holder's lock from a later one in the same place (release removes only its own). */
  token: string;
}

/** A held lock: `release()` removes its file (only while it is still this holder's). */
export interface DataLock {
  readonly file: string;
  release(): void;
}

/** The data folder is in use by a live process. */
export class DataFolderInUseError extends Error {
  readonly code = "data_folder_in_use";
  constructor(
    readonly dir: string,
    readonly lockFile: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `${holder.owner}，进程 ${holder.pid}，主机 ${holder.hostname}，自 ${holder.startedAt}`
      : "另一进程正在加锁";
    super(
      `数据目录 ${dir} 正被另一个进程使用（${who}）：请先停止它，或换一个数据目录。` +
        ` The data folder ${dir} is in use by ${holder ? `${holder.owner} (pid ${holder.pid} on ${holder.hostname})` : "another process"}; stop it first or use another folder.` +
        ` 若确认该进程已不存在，可删除锁文件 / if no such process runs, delete the lock file: ${lockFile}`,
    );
    this.name = "DataFolderInUseError";
  }
}

/** A lock file is a few hundred bytes; more is not ours (read no further). */
const MAX_LOCK_BYTES = 4096;
/** An unreadable lock younger than this may be one being written right now. */
const FRESH_UNREADABLE_MS = 5_000;

const held = new Set<DataLock>();
/**
 * The tokens of the locks this process holds: a lock naming this pid with another token is stale.
 * Kept on `globalThis`, so two copies of this module in one process (a bundled and a source one)
 * still count each other's locks as live.
 */
const TOKENS_KEY = Symbol.for("mongo-standin.data-lock.held-tokens");
const heldTokens: Set<string> =
  ((globalThis as Record<symbol, unknown>)[TOKENS_KEY] as Set<string> | undefined) ?? new Set<string>();
(globalThis as Record<symbol, unknown>)[TOKENS_KEY] = heldTokens;
let exitHookInstalled = false;

/**
 * Locks `dir` (which must exist) for this process: creates `dir/<file>` holding this pid, or throws
 * DataFolderInUseError when a live process holds it. A lock left by a dead process on this host is
 * taken over; `onTakeover` says so (the caller logs it).
 */
export function acquireDataLock(dir: string, options: LockOptions): DataLock {
  return acquireDataLockPausing(dir, options, () => undefined);
}

/** What `acquireDataLock` is told: the lock file's name, who takes it, who hears of a takeover. */
interface LockOptions {
  file: string;
  owner: string;
  onTakeover?: (stale: LockHolder | null, lockFile: string) => void;
}

/** A point of a takeover where a test runs another opener in between (a race, without sleeps). */
export type TakeoverStep = "judged-stale" | "midway";

/** `acquireDataLock`, calling `pause` at each takeover step (tests; not exported by the package). */
export function acquireDataLockPausing(
  dir: string,
  options: LockOptions,
  pause: (step: TakeoverStep) => void,
): DataLock {
  const file = path.join(dir, options.file);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    owner: options.owner.slice(0, 100),
    startedAt: new Date().toISOString(),
    token: randomBytes(12).toString("hex"),
  };
  // Counted as held while it is taken: another opener in this process that meets this attempt's
  // takeover marker (below) must see a live holder, as one in another process sees a live pid.
  heldTokens.add(holder.token);
  let acquired = false;
  try {
    // A few rounds: the file may vanish or change between our reads (its holder releasing it).
    for (let round = 0; round < 3; round += 1) {
      if (createExclusive(file, JSON.stringify(holder))) {
        acquired = true;
        return track(file, holder.token);
      }
      const found = readLock(file);
      if (found === null) continue;
      if (found.holder ? holderAlive(found.holder) : Date.now() - found.mtimeMs < FRESH_UNREADABLE_MS)
        throw new DataFolderInUseError(dir, file, found.holder);
      pause("judged-stale");
      const outcome = takeOver(file, found.raw, JSON.stringify(holder), pause);
      if (outcome === "changed") continue;
      if (outcome !== "taken") throw new DataFolderInUseError(dir, file, outcome.takingOver);
      const lock = track(file, holder.token);
      acquired = true;
      options.onTakeover?.(found.holder, file);
      return lock;
    }
    throw new DataFolderInUseError(dir, file, readLock(file)?.holder ?? null);
  } finally {
    if (!acquired) heldTokens.delete(holder.token);
  }
}

function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(file: string): { holder: LockHolder | null; raw: string; mtimeMs: number } | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(MAX_LOCK_BYTES);
    const raw = buffer.subarray(0, readSync(fd, buffer, 0, MAX_LOCK_BYTES, 0)).toString("utf8");
    // fstat, not stat: the file read, even if its holder renamed or removed it meanwhile.
    return { holder: parseHolder(raw), raw, mtimeMs: fstatSync(fd).mtimeMs };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<Record<keyof LockHolder, unknown>>;
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) <= 0) return null;
    const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 200) : "?");
    return {
      pid: value.pid as number,
      hostname: text(value.hostname),
      owner: text(value.owner),
      startedAt: text(value.startedAt),
      token: text(value.token),
    };
  } catch {
    return null;
  }
}

/**
 * Alive unless this host says the pid is gone. A holder on another host (a shared folder) cannot be
 * checked from here. A lock naming this very pid is alive only while this process holds it (its
 * token): a second opener within one process is refused, but a lock left before a crash and a
 * restart that gave this process the same pid (containers number from 1 again) is stale.
 */
function holderAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return heldTokens.has(holder.token);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** More dead takers of one stale lock than this is not a crash but something else: refuse. */
const MAX_TAKEOVER_GENERATIONS = 20;

/**
 * Replaces the stale lock (`staleRaw`) at `file` with `content`, so that of any number of openers
 * judging that same lock stale exactly one succeeds, and a live lock is never moved or removed,
 * not even for a moment (which let a third opener create one in the gap while a second held it).
 *
 * The right to replace it is a marker created with `wx` under a name derived from the stale lock's
 * bytes (each lock holds a random token, so the name is never reused by a later lock), holding the
 * new lock's content. Its creator reads the lock again: still the stale one, the marker is renamed
 * over it (one atomic replace; normal openers cannot step in, as the file exists throughout);
 * anything else, the marker is removed and the caller judges the lock anew. A marker whose creator
 * died midway (a crash between `wx` and the rename) would block the takeover for ever, so markers
 * are numbered: a taker meeting a dead creator's marker tries the next number, and a live one's
 * means that opener is taking the folder (refused). The winner removes the dead ones below its own.
 *
 * "changed": the lock is not the stale one any more (another round judges it); `takingOver`:
 * a live opener is taking it over now.
 */
function takeOver(
  file: string,
  staleRaw: string,
  content: string,
  pause: (step: TakeoverStep) => void,
): "taken" | "changed" | { takingOver: LockHolder | null } {
  const stem = `${file}.takeover-${createHash("sha256").update(staleRaw).digest("hex").slice(0, 16)}-`;
  for (let generation = 0; generation < MAX_TAKEOVER_GENERATIONS; generation += 1) {
    const marker = `${stem}${generation}`;
    if (!createExclusive(marker, content)) {
      const found = readLock(marker);
      // Gone: its creator renamed it over the lock or gave up; either way the lock is to be read again.
      if (found === null) return "changed";
      if (found.holder ? holderAlive(found.holder) : Date.now() - found.mtimeMs < FRESH_UNREADABLE_MS)
        return { takingOver: found.holder };
      continue;
    }
    pause("midway");
    if (readLock(file)?.raw !== staleRaw) {
      rmSync(marker, { force: true });
      return "changed";
    }
    renameSync(marker, file);
    for (let dead = 0; dead < generation; dead += 1) rmSync(`${stem}${dead}`, { force: true });
    return "taken";
  }
  return { takingOver: null };
}

function track(file: string, token: string): DataLock {
  heldTokens.add(token);
  const lock: DataLock = {
    file,
    release() {
      if (!held.delete(lock)) return;
      heldTokens.delete(token);
      // Only our own: after a takeover (we were judged dead) the file is someone else's.
      const found = readLock(file);
      if (found?.holder?.token === token) unlinkSync(file);
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const each of [...held]) {
        try {
          each.release();
        } catch {
          // Exiting anyway; a lock left behind is taken over as stale next time.
        }
      }
    });
  }
  return lock;
}
