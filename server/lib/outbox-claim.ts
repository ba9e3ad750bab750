import type { Model } from "mongoose";
import { dueNow } from "./queue-due.js";
import type { OutboxDoc, OutboxEntry } from "./outbox.model.js";
import { createSubjectOrder, orderKeyOfEntry, type SubjectCandidate } from "./outbox-subjects.js";

/**
 * A consumer's claim of its next batch. Each entry is claimed with one atomic findOneAndUpdate on
 * the consumer's state (pending and due, never tried, or processing with an expired lease), so
 * several instances never deliver the same entry concurrently; a killed instance's claim is taken
 * again after its lease.
 */
export function createOutboxClaim(d: {
  Outbox: Model<OutboxDoc>;
  /** The consumer's event-name filter (empty for every event). */
  names: Record<string, unknown>;
  /** The consumer's field path of a delivery state field (see deliveryPaths). */
  at: (field: string) => string;
  /** Names this instance in its claims. */
  instanceId: string;
  batchSize: number;
  /** A claim older than this is taken to belong to a dead instance and is claimed again. */
  leaseMs: number;
  /** Deliver each order key's entries one at a time in its order (see outbox-subjects.ts). */
  ordered: boolean;
}) {
  const { Outbox, names, at, instanceId, batchSize, ordered } = d;
  const order = createSubjectOrder({ Outbox, names, at });

  /**
   * Entries this consumer may claim now, by the database's clock (queue-due.ts); claims and retry
   * times are stamped by the database too (claim, settle). An entry this consumer has no state on
   * yet (`deliveries.<name>` absent) has never been tried by it. (Entries that an earlier version
   * set aside behind a parked one, `deliveries.<name>.blocked`, are due like any other now.)
   */
  const due = dueNow({ at, inFlight: "processing", lease: { claimedAt: "claimedAt", ms: d.leaseMs } });
  const DUE = { ...names, $or: [{ [at("status")]: null }, ...due.$or] };
  const window = Math.max(10, batchSize * 3);

  async function claimBatch(): Promise<OutboxEntry[]> {
    const claimed: OutboxEntry[] = [];
    const keys = new Set<string>();
    const candidates = await Outbox.find(DUE, {
      _id: 1,
      subject: 1,
      subjectSeq: 1,
      orderKey: 1,
      createdAt: 1,
    })
      .sort({ createdAt: 1, _id: 1 })
      .limit(window)
      .lean<SubjectCandidate[]>();
    const heads = ordered
      ? await order.headsOf([...new Set(candidates.flatMap((c) => orderKeyOfEntry(c) ?? []))])
      : new Map<string, SubjectCandidate>();
    for (const c of candidates) {
      if (claimed.length >= batchSize) break;
      let pick = c;
      const key = orderKeyOfEntry(c);
      if (ordered && key) {
        // One entry per key per batch, and only its first waiting one. Candidates come by time,
        // which is not a key's order when instance clocks differ: a candidate waiting behind an
        // earlier entry leads to that entry, which may lie beyond this list (skipping the
        // candidate instead could leave a whole list of waiting entries claiming nothing).
        if (keys.has(key)) continue;
        keys.add(key);
        const head = heads.get(key);
        if (!head) continue;
        pick = head;
      }
      // The claim re-checks that it is due: a head in flight or backing off holds its key.
      const entry = await Outbox.findOneAndUpdate(
        { _id: pick._id, ...DUE },
        {
          $set: { [at("status")]: "processing", [at("claimedBy")]: instanceId },
          $currentDate: { [at("claimedAt")]: true },
          $inc: { [at("attempts")]: 1 },
        },
        { returnDocument: "after" },
      ).lean<OutboxEntry>();
      if (entry) claimed.push(entry);
    }
    return claimed;
  }

  return { claimBatch };
}
