import type { QualificationRecord } from "../contracts/hub-collection.js";

/**
 * A batch's checked records as the collection service hands them to its rounds
 * (collection-rounds.ts), and their split into rounds.
 */

/** A record of the batch that passed the checks, with what its ledger row needs. */
export interface ValidRecord {
  index: number;
  record: QualificationRecord;
  hash: string;
  raw: unknown;
}
export type BatchInfo = {
  batchId: string;
  sourceProvince: string;
  receivedAt: Date;
  /**
   * The node key the batch was signed with (the gate's); absent for in-process callers, whose
   * node must still be registered and active.
   */
  keyId?: string;
};

/**
 * The records in rounds of distinct practitioners and record ids, in batch order: a person's (or
 * a record id's) next record goes to the round after the one holding their previous record, so
 * order per practitioner is kept and nothing in a round depends on another record of the round.
 */
export function rounds(records: ValidRecord[]): ValidRecord[][] {
  const out: ValidRecord[][] = [];
  const lastRound = new Map<string, number>();
  for (const v of records) {
    const keys = [`p:${v.record.practitioner.idNumber}`, `r:${v.record.recordId}`];
    const r = Math.max(...keys.map((k) => lastRound.get(k) ?? -1)) + 1;
    (out[r] ??= []).push(v);
    for (const k of keys) lastRound.set(k, r);
  }
  return out;
}
