/** A heartbeat as read: the instance's last beat (0 when it never beat), and when it was asked for. */
interface BeatRead {
  readAt: number;
  beat: Promise<number>;
}

/**
 * The heartbeats of other instances as a candidate's connect asks them (presence.ts orphanedSince:
 * is the instance still holding this seat alive?), read at most once every `ttlMs` per instance
 * instead of on every connect: a page moving between live instances, or every seat of a dead
 * instance reconnecting at once, asked the same heartbeat over and over.
 *
 * A copy never turns a dead instance live: a heartbeat only moves forward, so a copy whose beat is
 * younger than `staleMs` at the connect is true of the database as well, and a copy too old for
 * that is asked again, unless it was dead already when it was read (a dead instance does not beat
 * again; one back from a stall of more than `staleMs` is seen within `ttlMs`, and its seats had
 * been away from it all that time). An instance is taken for dead exactly when the heartbeat
 * timeout says, never later.
 */
export function createInstanceBeats(
  read: (instanceId: string) => Promise<number | null>,
  opts: { staleMs: number; ttlMs: number },
) {
  const reads = new Map<string, BeatRead>();

  function fresh(instanceId: string, at: number): BeatRead {
    // Copies older than ttlMs go as new ones come: the map holds the instances asked lately.
    for (const [id, r] of reads) if (at - r.readAt >= opts.ttlMs) reads.delete(id);
    const entry: BeatRead = { readAt: at, beat: read(instanceId).then((b) => b ?? 0) };
    reads.set(instanceId, entry);
    // A failed read is not kept: the next connect asks again.
    entry.beat.catch(() => {
      if (reads.get(instanceId) === entry) reads.delete(instanceId);
    });
    return entry;
  }

  /**
   * The last beat (epoch ms, 0 if none) of `instanceId` when it is dead at `at` (silent for
   * `staleMs`), null while it is alive.
   */
  async function deadSince(instanceId: string, at: number): Promise<number | null> {
    const cached = reads.get(instanceId);
    if (cached && at - cached.readAt < opts.ttlMs) {
      const beat = await cached.beat;
      if (at - beat < opts.staleMs) return null;
      if (cached.readAt - beat >= opts.staleMs) return beat;
    }
    const beat = await fresh(instanceId, at).beat;
    return at - beat < opts.staleMs ? null : beat;
  }

  return { deadSince, size: () => reads.size };
}
