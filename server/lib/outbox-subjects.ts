import type { Model, Types } from "mongoose";
import type { OutboxDoc } from "./outbox.model.js";

/** What the claim reads of an entry before claiming it. */
export type SubjectCandidate = {
  _id: Types.ObjectId;
  subject?: string | null;
  subjectSeq?: number | null;
  orderKey?: string | null;
  createdAt: Date;
};

/**
 * The key an ordered consumer keeps an entry's order within: its order key (the hub record it
 * writes), or, on an entry written before order keys existed, its subject.
 */
export function orderKeyOfEntry(c: Pick<SubjectCandidate, "orderKey" | "subject">): string | null {
  return c.orderKey ?? c.subject ?? null;
}

/**
 * Order per key for a consumer that delivers each key's entries one at a time, in the subject's
 * own numbering (enqueueEvent): which entry heads each key. A parked (`failed`) entry heads
 * nothing: every entry carries its record whole at its version, so a later version supersedes a
 * parked earlier one at the receiver (which answers `stale` when the earlier one is retried). Held
 * behind it, a certificate's revocation waited for good behind an update the hub kept refusing.
 */
export function createSubjectOrder(d: {
  Outbox: Model<OutboxDoc>;
  /** The consumer's event-name filter (empty for every event). */
  names: Record<string, unknown>;
  /** The consumer's field path of a delivery state field (`status`, `deliveries.hub.status`). */
  at: (field: string) => string;
}) {
  const { Outbox, names, at } = d;
  const HEAD_ORDER = { subjectSeq: 1, createdAt: 1, _id: 1 } as const;
  const waiting = { ...names, [at("status")]: { $nin: ["done", "failed"] } };
  const headFields = { _id: 1, subject: 1, subjectSeq: 1, orderKey: 1, createdAt: 1 };

  /**
   * The heads of several keys in one read: each key's first entry neither delivered nor parked,
   * the only one of its entries that may be delivered now. First by the subject's number, never by
   * the time an instance stamped; entries written before the numbers existed (subjectSeq null,
   * which sorts first) come first, among themselves by time. A claim window of a hundred keys used
   * to read their heads one query after another.
   */
  async function headsOf(keys: string[]): Promise<Map<string, SubjectCandidate>> {
    if (keys.length === 0) return new Map();
    const rows = await Outbox.aggregate<{ _id: string; head: SubjectCandidate }>([
      {
        $match: {
          ...waiting,
          $or: [{ orderKey: { $in: keys } }, { orderKey: null, subject: { $in: keys } }],
        },
      },
      { $project: headFields },
      { $sort: HEAD_ORDER },
      { $group: { _id: { $ifNull: ["$orderKey", "$subject"] }, head: { $first: "$$ROOT" } } },
    ]);
    return new Map(rows.map((r) => [r._id, r.head]));
  }

  return { headsOf };
}
