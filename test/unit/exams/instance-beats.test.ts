import { expect } from "chai";
import { createInstanceBeats } from "../../../server/exams/instance-beats.js";

const STALE = 30_000;
const TTL = 5_000;

/** Heartbeats as the database holds them, and how often they were read. */
function aDatabase(beats: Record<string, number>) {
  const reads: string[] = [];
  return {
    beats,
    reads,
    read: async (id: string) => {
      reads.push(id);
      return beats[id] ?? null;
    },
  };
}

describe("instance heartbeats on the connect path", () => {
  it("when seats of a live instance connect elsewhere within a few seconds, then its heartbeat is read once and it stays alive", async () => {
    const db = aDatabase({ n0: 100_000 });
    const beats = createInstanceBeats(db.read, { staleMs: STALE, ttlMs: TTL });
    for (const at of [101_000, 102_000, 105_000]) expect(await beats.deadSince("n0", at)).to.equal(null);
    expect(db.reads).to.deep.equal(["n0"]);
  });

  it("when the cached beat would have gone stale, then the heartbeat is read again: a live instance is never taken for dead from an old copy", async () => {
    // Read at 101 s (beat at 100 s), the instance beats on at 120 s: at 130 s the copy is 30 s old.
    const db = aDatabase({ n0: 100_000 });
    const beats = createInstanceBeats(db.read, { staleMs: STALE, ttlMs: 60_000 });
    expect(await beats.deadSince("n0", 101_000)).to.equal(null);
    db.beats.n0 = 120_000;
    expect(await beats.deadSince("n0", 130_000)).to.equal(null);
    expect(db.reads).to.deep.equal(["n0", "n0"]);
  });

  it("when an instance stops beating, then it is dead as soon as its last beat is the heartbeat timeout old, whatever was cached", async () => {
    const db = aDatabase({ n0: 100_000 });
    const beats = createInstanceBeats(db.read, { staleMs: STALE, ttlMs: TTL });
    expect(await beats.deadSince("n0", 129_000)).to.equal(null);
    // Within the cache's few seconds, but the beat is now the timeout old: dead, from its last beat.
    expect(await beats.deadSince("n0", 130_000)).to.equal(100_000);
  });

  it("when many seats of a dead instance reconnect at once, then its heartbeat is read once, and again after a few seconds", async () => {
    const db = aDatabase({ n0: 100_000 });
    const beats = createInstanceBeats(db.read, { staleMs: STALE, ttlMs: TTL });
    const verdicts = await Promise.all([140_000, 140_000, 141_000].map((at) => beats.deadSince("n0", at)));
    expect(verdicts).to.deep.equal([100_000, 100_000, 100_000]);
    expect(await beats.deadSince("n0", 144_000)).to.equal(100_000);
    expect(db.reads).to.deep.equal(["n0"]);
    // An instance back from a stall beats again: a few seconds later that is seen.
    db.beats.n0 = 146_000;
    expect(await beats.deadSince("n0", 146_000)).to.equal(null);
    expect(db.reads).to.deep.equal(["n0", "n0"]);
  });

  it("when an instance never beat, then its seats are away from the start", async () => {
    const db = aDatabase({});
    const beats = createInstanceBeats(db.read, { staleMs: STALE, ttlMs: TTL });
    expect(await beats.deadSince("gone", 50_000)).to.equal(0);
  });

  it("when a read fails, then the next connect reads again", async () => {
    let fail = true;
    const reads: string[] = [];
    const beats = createInstanceBeats(
      async (id) => {
        reads.push(id);
        if (fail) throw new Error("failover");
        return 100_000;
      },
      { staleMs: STALE, ttlMs: TTL },
    );
    let error: unknown = null;
    await beats.deadSince("n0", 101_000).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(Error);
    fail = false;
    expect(await beats.deadSince("n0", 101_500)).to.equal(null);
    expect(reads).to.deep.equal(["n0", "n0"]);
  });

  it("when many instances were looked up, then only the last few seconds' are kept", async () => {
    const db = aDatabase({});
    const beats = createInstanceBeats(db.read, { staleMs: STALE, ttlMs: TTL });
    for (let i = 0; i < 100; i++) await beats.deadSince(`n${i}`, 1_000 + i * 1_000);
    expect(beats.size()).to.be.at.most(TTL / 1_000 + 1);
  });
});
