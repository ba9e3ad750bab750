import type { MessageLogEntryDto, RejectCode, RejectionEntryDto } from "../contracts/hub.js";
import type { MessageLogDoc } from "../sharing/index.js";
import type { RejectionDoc } from "./hub.models.js";

/** What the operator's message-log page shows of an entry (the proofs stay in the log). */
export function toMessageLogEntryDto(m: MessageLogDoc): MessageLogEntryDto {
  return {
    seq: m.seq,
    at: m.at.toISOString(),
    direction: m.direction as MessageLogEntryDto["direction"],
    peer: m.peer,
    keyId: m.keyId ?? null,
    nonce: m.nonce ?? null,
    method: m.method,
    target: m.target,
    status: m.status ?? null,
    outcome: m.outcome as MessageLogEntryDto["outcome"],
    code: m.code ?? null,
    hash: m.hash,
  };
}

/** What the operator's rejections page shows of a rejected record. */
export function toRejectionEntryDto(r: RejectionDoc): RejectionEntryDto {
  return {
    at: r.at.toISOString(),
    sourceProvince: r.sourceProvince,
    batchId: r.batchId,
    recordId: r.recordId ?? null,
    version: r.version ?? null,
    // Stored only from receipts the hub sent, and it sends none whose codes are not RejectCode.
    reasons: r.reasons.map((x) => ({
      code: x.code as RejectCode,
      field: x.field ?? null,
      message: x.message ?? "",
    })),
  };
}
