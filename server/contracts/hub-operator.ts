import type { RejectReason } from "./hub-collection.js";

/** What the hub operator's pages list: the message log and the rejected records. */

/**
 * One entry of a node's message log as the hub operator's page lists it (GET /api/hub/messages):
 * who, what and how it ended, and the entry's hash. The signatures, digests and the link to the
 * entry before stay in the log, for the chain's verification.
 */
export interface MessageLogEntryDto {
  seq: number;
  at: string;
  direction: "in" | "out";
  peer: string;
  keyId: string | null;
  nonce: string | null;
  method: string;
  target: string;
  status: number | null;
  outcome: "processed" | "replayed" | "refused" | "failed";
  code: string | null;
  hash: string;
}

/** A record the hub rejected, as the operator's page lists it (GET /api/hub/rejections). */
export interface RejectionEntryDto {
  at: string;
  sourceProvince: string;
  batchId: string;
  recordId: string | null;
  version: number | null;
  reasons: RejectReason[];
}
