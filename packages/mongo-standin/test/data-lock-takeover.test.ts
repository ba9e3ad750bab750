import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  acquireDataLockPausing,
  DataFolderInUseError,
  type DataLock,
  type LockHolder,
  type TakeoverStep,
} from "../src/data-lock.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * Taking over a dead holder's lock must leave exactly one opener holding the folder, however the
 * openers interleave. The races are run deterministically: an opener pauses at a takeover step
 * (`acquireDataLockPausing`) and another opener runs to the end right there.
 */
const LOCK = "mongo-standin.lock";

/** A pid no process holds any more: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid ?? 0;
}

describe("mongo-standin: taking over a dead holder's data-folder lock", () => {
  let dataDir = "";
  const locks: DataLock[] = [];

  beforeEach(async function () {
    skipOnRealMongo(this, "these tests examine the stand-in's data folder");
    dataDir = await mkdtemp(path.join(tmpdir(), "standin-takeover-"));
    writeFileSync(
      path.join(dataDir, LOCK),
      JSON.stringify({
        pid: deadPid(),
        hostname: hostname(),
        owner: "mongo-standin",
        startedAt: new Date(0).toISOString(),
        token: "dead",
      }),
    );
  });

  afterEach(async () => {
    for (const lock of locks.splice(0)) lock.release();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Opens the folder as `owner`; returns "holds" or "refused" (any other error fails the test). */
  function open(owner: string, pause: (step: TakeoverStep) => void = () => undefined): "holds" | "refused" {
    try {
      locks.push(acquireDataLockPausing(dataDir, { file: LOCK, owner }, pause));
      return "holds";
    } catch (error) {
      if (error instanceof DataFolderInUseError) return "refused";
      throw error;
    }
  }

  /** Runs `other` once, the first time the pausing opener reaches `step`. */
  function onceAt(step: TakeoverStep, other: () => void): (reached: TakeoverStep) => void {
    let ran = false;
    return (reached) => {
      if (reached !== step || ran) return;
      ran = true;
      other();
    };
  }

  const lockOwner = (): string =>
    (JSON.parse(readFileSync(path.join(dataDir, LOCK), "utf8")) as LockHolder).owner;

  it("when a second opener takes the lock over while a first has judged it stale, and a third arrives midway through the first's takeover, then exactly one holds it", () => {
    const outcomes = new Map<string, string>();
    const midway = onceAt("midway", () => outcomes.set("third", open("third")));
    const judged = onceAt("judged-stale", () => outcomes.set("second", open("second")));
    outcomes.set(
      "first",
      open("first", (step) => {
        judged(step);
        midway(step);
      }),
    );
    const holders = [...outcomes].filter(([, outcome]) => outcome === "holds").map(([owner]) => owner);
    expect(holders).to.have.length(1);
    expect(lockOwner()).to.equal(holders[0]);
    expect(readdirSync(dataDir)).to.deep.equal([LOCK]);
  });

  it("when a second opener arrives midway through a first one's takeover, then exactly one holds it", () => {
    let second = "";
    const first = open(
      "first",
      onceAt("midway", () => (second = open("second"))),
    );
    const holders = [
      ["first", first],
      ["second", second],
    ].filter(([, outcome]) => outcome === "holds");
    expect(holders).to.have.length(1);
    expect(lockOwner()).to.equal(holders[0]?.[0]);
    expect(readdirSync(dataDir)).to.deep.equal([LOCK]);
  });

  it("when an opener dies midway through a takeover, then the next opener takes the lock over and leaves no debris in the folder", () => {
    const died = new Error("the opener died here");
    expect(() =>
      open(
        "dies",
        onceAt("midway", () => {
          throw died;
        }),
      ),
    ).to.throw(died);
    expect(open("next")).to.equal("holds");
    expect(lockOwner()).to.equal("next");
    expect(readdirSync(dataDir)).to.deep.equal([LOCK]);
  });
});
