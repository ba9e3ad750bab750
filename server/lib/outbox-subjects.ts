import type { Model, Types } from "mongoose";
import type { OutboxDoc } from "./outbox.model.js";

/** What the claim reads of an entry before claiming it. */
export type SubjectCandidate = {
  _id: Types.ObjectId;
  subject?: string | null;
  subjectSeq?: number | null;
  createdAt: Date;
};

/** Shown on the delivery queue for an entry set aside behind its subject's parked entry. */
export const WAITING_BEHIND_PARKED = "此人有一条更早的记录被搁置，本条待其重新发送并送达后再发送";

/**
 * Per-subject order for a consumer that delivers each subject's entries one at a time, in the
 * subject's own numbering (enqueueEvent): which entry heads each subject, and the set-aside of a
 * subject's later entries behind a parked (`failed`) head, so they neither fill the claim window
 * nor overtake it.
 */
export function createSubjectOrder(d: {
  Outbox: Model<OutboxDoc>;
  /** The consumer's event-name filter (empty for every event). */
  names: Record<string, unknown>;
  /** The consumer's field path of a delivery state field (`status`, `deliveries.hub.status`). */
  at: (field: string) => string;
  /** Whether a head read here is parked for this consumer. */
  isParked: (head: SubjectCandidate) => boolean;
}) {
  const { Outbox, names, at } = d;
  const BLOCKED = at("blocked");
  const HEAD_ORDER = { subjectSeq: 1, createdAt: 1, _id: 1 } as const;
  const undelivered = { ...names, [at("status")]: { $ne: "done" } };
  const headFields = { _id: 1, subject: 1, subjectSeq: 1, createdAt: 1, [at("status")]: 1 };

  /**
   * The subject's first undelivered entry: the only one of its entries that may be delivered now.
   * First by the subject's number, never by the time an instance stamped; entries written before
   * the numbers existed (subjectSeq null, which sorts first) come first, among themselves by time.
   */
  async function headOf(subject: string): Promise<SubjectCandidate | null> {
    return Outbox.findOne({ ...undelivered, subject }, headFields)
      .sort(HEAD_ORDER)
      .lean<SubjectCandidate>();
  }

  /**
   * The heads of several subjects in one read (headOf's order, per subject): a claim window of a
   * hundred people used to read their heads one query after another.
   */
  async function headsOf(subjects: string[]): Promise<Map<string, SubjectCandidate>> {
    if (subjects.length === 0) return new Map();
    const rows = await Outbox.aggregate<{ _id: string; head: SubjectCandidate }>([
      { $match: { ...undelivered, subject: { $in: subjects } } },
      { $project: headFields },
      { $sort: { subject: 1, ...HEAD_ORDER } },
      { $group: { _id: "$subject", head: { $first: "$$ROOT" } } },
    ]);
    return new Map(rows.map((r) => [r._id, r.head]));
  }

  /** Puts the subject's set-aside entries back in the queue (its parked entry was retried). */
  async function releaseSubject(subject: string): Promise<void> {
    const filter = { ...names, subject, [BLOCKED]: true };
    await Outbox.collection.updateMany(filter, {
      $unset: { [BLOCKED]: "" },
      $set: { [at("lastError")]: null },
    });
  }

  /**
   * Sets the subject's other undelivered entries aside behind its parked `head`; answers how many.
   * Through the driver: the bus consumer's state is top-level, where the schema has no such field.
   * The head is read again after the write: a retry between the first read and the write released
   * the subject before this wrote (releaseSubject runs after the head's own change), so this does.
   */
  async function setAside(head: SubjectCandidate, subject: string): Promise<number> {
    const res = await Outbox.collection.updateMany(
      { ...undelivered, subject, _id: { $ne: head._id }, [BLOCKED]: { $ne: true } },
      { $set: { [BLOCKED]: true, [at("lastError")]: WAITING_BEHIND_PARKED } },
    );
    const now = await headOf(subject);
    if (now !== null && d.isParked(now)) return res.modifiedCount;
    await releaseSubject(subject);
    return 0;
  }

  return { BLOCKED, headsOf, setAside, releaseSubject, isParked: d.isParked };
}
