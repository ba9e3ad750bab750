import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import {
  CollectionBatch,
  isConformanceRecord,
  MAX_BATCH_RECORDS,
  RecordResult,
  type CollectionReceipt,
} from "../contracts/hub-collection.js";
import { AppError, errors, toAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { hubModels } from "./hub.models.js";
import {
  CONFLICT_RETRY,
  createRoundApplier,
  rounds,
  type BatchInfo,
  type ValidRecord,
} from "./collection-rounds.js";
import { checkRecord, MAX_RECORDS_PER_PRACTITIONER, type RecordCheck } from "./record-validation.js";
import { intakeRow, type IntakeLedger } from "./report/intake-ledger.js";

export { CONFLICT_RETRY };

/** A rejection that is only the hub's own write race (CONFLICT_RETRY), not a judgement of the record. */
const hubsOwnConflict = (r: RecordResult) =>
  r.reasons.length > 0 && r.reasons.every((x) => x.code === CONFLICT_RETRY);

/**
 * The collection interface (数据资源采集): a province publishes qualification records; each is
 * checked and judged on its own and applied with its record, pointer and change entry in one
 * transaction (shared by a round of records of different practitioners, see collection-rounds.ts),
 * and answered accepted / duplicate (identical re-send, no effect) / stale (older version, ignored) /
 * rejected with reasons. Only the practitioner's home province may write them.
 */
export function createCollectionService(
  conn: Connection,
  deps: {
    logger: Logger;
    now?: () => Date;
    ledger?: IntakeLedger;
    maxRecordsPerPractitioner?: number;
    /** Days a deleted practitioner keeps their home (config `hub.deletedHomeGraceDays`); default 30. */
    deletedHomeGraceDays?: number;
    /** The record check (record-validation.ts); swapped only by tests of the receipt guard below. */
    check?: (raw: unknown, ctx: { signerProvince: string; now: Date }) => RecordCheck;
  },
) {
  const m = hubModels(conn);
  const now = deps.now ?? (() => new Date());
  const maxRecords = deps.maxRecordsPerPractitioner ?? MAX_RECORDS_PER_PRACTITIONER;
  const check = deps.check ?? checkRecord;
  // One applier per service: its queue of rounds is this instance's (see createRoundApplier).
  const { applyRoundOrEach } = createRoundApplier(conn, {
    ledger: deps.ledger,
    maxRecords,
    deletedHomeGraceDays: deps.deletedHomeGraceDays ?? 30,
  });

  return {
    /**
     * Checks and applies a batch from `signer` (the authenticated province). The envelope is
     * refused whole only when it is not a batch at all or is too large (413); otherwise every
     * record gets its own result. `keyId` is the node key the gate authenticated: each round
     * refuses to write once that key is retired or the node suspended (holdNodeForWrite); only
     * in-process callers holding no node key (scripts, tests) leave it out, and their rounds still
     * refuse to write for a province that is not a registered, active node.
     */
    async ingest(body: unknown, signer: string, keyId?: string): Promise<CollectionReceipt> {
      const count = (body as { records?: unknown } | null)?.records;
      if (Array.isArray(count) && count.length > MAX_BATCH_RECORDS)
        throw new AppError("batch_too_large", 413, `每批最多 ${MAX_BATCH_RECORDS} 条记录`, {
          max: MAX_BATCH_RECORDS,
        });
      const parsed = CollectionBatch.safeParse(body);
      if (!parsed.success)
        // Cut as every validation refusal is (lib/errors): zod's raw issues quote what was sent.
        throw errors.badRequest("invalid_batch", "批次格式不合法", toAppError(parsed.error).details);
      const batch = parsed.data;
      const receivedAt = now();
      const results: RecordResult[] = [];
      const valid: ValidRecord[] = [];
      // `results` has holes until the rounds fill them: the rejections are also kept densely here.
      const rejectedByCheck: RecordResult[] = [];
      const info: BatchInfo = { batchId: batch.batchId, sourceProvince: signer, receivedAt, ...(keyId ? { keyId } : {}) };
      for (const [index, raw] of batch.records.entries()) {
        const checked = check(raw, { signerProvince: signer, now: receivedAt });
        if (checked.ok) valid.push({ index, record: checked.record, hash: checked.hash, raw });
        else {
          const result: RecordResult = {
            index,
            recordId: checked.recordId,
            version: checked.version,
            outcome: "rejected",
            reasons: checked.reasons,
            hubSeq: null,
            recordHash: null,
          };
          results[index] = result;
          rejectedByCheck.push(result);
        }
      }
      // Everything the receipt echoes of what was sent is bounded to the receipt's contract before
      // anything is written: a result the hub could not send, found after its rounds committed,
      // answered 500 over applied records, and the province retried the batch forever.
      // The hub's own fault, so an opaque 500 (logged, naming the record) that the province retries
      // once the hub is fixed; never a 4xx, which it would take as a judgement of its records.
      const unsendable = rejectedByCheck.find((r) => !RecordResult.safeParse(r).success);
      if (unsendable)
        throw new Error(`the rejection of record ${unsendable.index} of batch ${batch.batchId} breaks the receipt contract`);
      for (const round of rounds(valid))
        for (const r of await applyRoundOrEach(round, info)) results[r.index] = r;
      // Records that changed nothing are counted after the batch, with their rejections, in one
      // transaction: a ledger row lost while the batch answered 200 left the province's rejections
      // out of its signed report (inflating 接收合格率), and rejections failing after the ledger
      // committed answered 500 and the re-send counted the ledger rows twice. Now either both are
      // written or neither (a 500 the province retries, then counted once). A write race of the
      // hub's own is neither counted nor logged as a rejection: it is no judgement of the record,
      // and the re-send is judged and counted anyway.
      const unchanged = results
        .filter((r) => r.outcome !== "accepted" && !hubsOwnConflict(r) && !isConformanceRecord(batch.records[r.index]))
        .map((r) => intakeRow(info, r, batch.records[r.index]));
      const rejections = results
        .filter((r) => r.outcome === "rejected" && !hubsOwnConflict(r))
        .map((r) => ({ recordId: r.recordId, version: r.version, reasons: r.reasons }));
      if (unchanged.length > 0 || rejections.length > 0)
        await conn.transaction(async (session) => {
          await deps.ledger?.write(unchanged, session);
          if (rejections.length > 0)
            await m.Rejections.insertMany(
              rejections.map((r) => ({ ...r, at: receivedAt, sourceProvince: signer, batchId: batch.batchId })),
              { session },
            );
        });
      if (rejections.length > 0)
        deps.logger.info(
          { province: signer, batchId: batch.batchId, rejected: rejections.length },
          "collection records rejected",
        );
      return {
        receiptId: randomUUID(),
        batchId: batch.batchId,
        sourceProvince: signer,
        receivedAt: receivedAt.toISOString(),
        results,
      };
    },

    async rejections(query: { province?: string; limit: number }) {
      const filter = query.province ? { sourceProvince: query.province } : {};
      return m.Rejections.find(filter, { _id: 0 }).sort({ at: -1 }).limit(query.limit).lean();
    },
  };
}
export type CollectionService = ReturnType<typeof createCollectionService>;
