import type { Model } from "mongoose";
import { dueNow } from "./queue-due.js";
import type { OutboxDoc, OutboxEntry } from "./outbox.model.js";
import { createSubjectOrder, type SubjectCandidate } from "./outbox-subjects.js";

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
  /** Deliver a subject's entries one at a time in its order (a failed one holds the later ones). */
  ordered: boolean;
  /** Whether a subject's head is parked (`failed`) for this consumer. */
  isParked: (head: SubjectCandidate) => boolean;
}) {
  const { Outbox, names, at, instanceId, batchSize, ordered } = d;
  const order = createSubjectOrder({ Outbox, names, at, isParked: d.isParked });
  /**
   * Set on an entry set aside behind its subject's parked (`failed`) entry (see setAside): left in
   * the candidate window, such entries filled it and starved every other subject's beyond it.
   */
  const BLOCKED = order.BLOCKED;

  /**
   * Entries this consumer may claim now, by the database's clock (queue-due.ts); claims and retry
   * times are stamped by the database too (claim, settle). An entry this consumer has no state on
   * yet (`deliveries.<name>` absent) has never been tried by it.
   */
  const due = dueNow({ at, inFlight: "processing", lease: { claimedAt: "claimedAt", ms: d.leaseMs } });
  const DUE = {
    ...names,
    ...(ordered ? { [BLOCKED]: { $ne: true } } : {}),
    $or: [{ [at("status")]: null }, ...due.$or],
  };
  const window = Math.max(10, batchSize * 3);

  async function claimBatch(): Promise<OutboxEntry[]> {
    const filter = DUE;
    const claimed: OutboxEntry[] = [];
    const subjects = new Set<string>();
    // Looked at again while a look set entries aside: the window then holds entries it did not
    // before. Bounded: each entry is set aside once, until its subject's parked entry is retried.
    for (;;) {
      let setAsideNow = 0;
      const candidates = await Outbox.find(filter, { _id: 1, subject: 1, subjectSeq: 1, createdAt: 1 })
        .sort({ createdAt: 1, _id: 1 })
        .limit(window)
        .lean<SubjectCandidate[]>();
      const heads = ordered
        ? await order.headsOf([...new Set(candidates.flatMap((c) => (c.subject ? [c.subject] : [])))])
        : new Map<string, SubjectCandidate>();
      for (const c of candidates) {
        if (claimed.length >= batchSize) break;
        let pick = c;
        if (ordered && c.subject) {
          // One entry per subject per batch, and only its first undelivered one. Candidates come by
          // time, which is not a subject's order when instance clocks differ: a candidate waiting
          // behind an earlier entry leads to that entry, which may lie beyond this list (skipping
          // the candidate instead could leave a whole list of waiting entries claiming nothing).
          if (subjects.has(c.subject)) continue;
          subjects.add(c.subject);
          const head = heads.get(c.subject);
          if (!head) continue;
          if (order.isParked(head)) {
            setAsideNow += await order.setAside(head, c.subject);
            continue;
          }
          pick = head;
        }
        // The claim re-checks that it is due: a head in flight or backing off holds its subject.
        const entry = await Outbox.findOneAndUpdate(
          { _id: pick._id, ...filter },
          {
            $set: { [at("status")]: "processing", [at("claimedBy")]: instanceId },
            $currentDate: { [at("claimedAt")]: true },
            $inc: { [at("attempts")]: 1 },
          },
          { returnDocument: "after" },
        ).lean<OutboxEntry>();
        if (entry) claimed.push(entry);
      }
      if (claimed.length >= batchSize || setAsideNow === 0) return claimed;
    }
  }

  return {
    claimBatch,
    /** Puts a subject's set-aside entries back in the queue (its parked entry was retried). */
    releaseSubject: order.releaseSubject,
  };
}
