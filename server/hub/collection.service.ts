import { randomUUID } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import {
  CollectionBatch,
  MAX_BATCH_RECORDS,
  type CollectionReceipt,
  type QualificationRecord,
  type RecordResult,
} from "../contracts/hub.js";
import { AppError, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { hubModels, type HubRecordDoc } from "./hub.models.js";
import { checkRecord } from "./record-validation.js";
import { intakeRow, type IntakeLedger } from "./report/intake-ledger.js";

/** A record of the batch that passed the checks, with what its ledger row needs. */
interface ValidRecord {
  index: number;
  record: QualificationRecord;
  hash: string;
  raw: unknown;
}
type BatchInfo = { batchId: string; sourceProvince: string; receivedAt: Date };

/**
 * The collection interface (数据资源采集): a province publishes qualification records; each is
 * checked and applied on its own, in its own transaction (record + pointer + change entry), and
 * answered accepted / duplicate (identical re-send, no effect) / stale (older version, ignored) /
 * rejected with reasons. Only the practitioner's home province may write them.
 */
export function createCollectionService(conn: Connection, deps: { logger: Logger; now?: () => Date; ledger?: IntakeLedger }) {
  const m = hubModels(conn);
  const now = deps.now ?? (() => new Date());

  async function nextSeq(session: ClientSession): Promise<number> {
    const c = await m.Counters.findOneAndUpdate(
      { _id: "changes" },
      { $inc: { value: 1 } },
      { upsert: true, returnDocument: "after", session },
    ).lean();
    if (!c) throw new Error("change counter missing");
    return c.value;
  }

  /** What the pointer says after this change, recomputed from every record held for the person. */
  function pointerFrom(records: Pick<HubRecordDoc, "record" | "version">[], latest: QualificationRecord, home?: string) {
    const all = records.map((r) => r.record as QualificationRecord).filter((r) => r.operation !== "delete");
    // After a transfer (转籍) the new home province's records decide; the old home's cancelled
    // certificate stays on file but no longer speaks for the practitioner.
    const live = home && all.some((r) => r.sourceProvince === home) ? all.filter((r) => r.sourceProvince === home) : all;
    const categories = [...new Set(live.filter((r) => r.state === "valid").flatMap((r) => r.categories))].sort();
    const certs = live
      .filter((r) => r.recordType === "certificate" && r.certificate)
      .sort((a, b) => (a.updateTime === b.updateTime ? a.version - b.version : a.updateTime < b.updateTime ? -1 : 1));
    const cert = certs.at(-1)?.certificate ?? null;
    return {
      name: latest.practitioner.name,
      categories,
      certificateNumber: cert?.certificateNumber ?? null,
      certificateStatus: cert?.status ?? null,
      validTo: cert?.validTo ?? null,
    };
  }

  async function applyOne(v: ValidRecord, batch: BatchInfo): Promise<RecordResult> {
    const { index, record, hash } = v;
    const signer = batch.sourceProvince;
    const base = { index, recordId: record.recordId, version: record.version };
    const reject = (code: string, field: string | null, message: string): RecordResult => ({
      ...base, outcome: "rejected", reasons: [{ code, field, message }], hubSeq: null, recordHash: null,
    });
    return conn.transaction(async (session) => {
      const key = { sourceProvince: record.sourceProvince, recordId: record.recordId };
      const existing = await m.Records.findOne(key, { version: 1, hash: 1, idNumber: 1, hubSeq: 1 }).session(session).lean();
      if (existing && record.version < existing.version)
        return { ...base, outcome: "stale" as const, reasons: [], hubSeq: existing.hubSeq, recordHash: existing.hash };
      if (existing && record.version === existing.version) {
        if (existing.hash === hash) return { ...base, outcome: "duplicate" as const, reasons: [], hubSeq: existing.hubSeq, recordHash: hash };
        return reject("version_conflict", "version", "同一版本号的记录内容不同，请递增版本号");
      }
      if (existing && existing.idNumber !== record.practitioner.idNumber)
        return reject("inconsistent", "practitioner.idNumber", "记录所属的身份证号码不可更改");
      const idNumber = record.practitioner.idNumber;
      const pointer = await m.Pointers.findOne({ idNumber }).session(session).lean();
      // The home province writes; a former home (after a transfer) may still update records it published.
      if (pointer && pointer.homeProvince !== signer && !existing)
        return reject("not_home_province", "sourceProvince", `该从业人员的资格由 ${pointer.homeProvince} 管理，其他省份不得写入`);
      const at = now();
      const hubSeq = await nextSeq(session);
      await m.Records.updateOne(
        key,
        { $set: { idNumber, recordType: record.recordType, version: record.version, hash, record, hubSeq, receivedAt: at } },
        { upsert: true, session },
      );
      const all = await m.Records.find({ idNumber }, { record: 1, version: 1 }).session(session).lean();
      const home = pointer?.homeProvince ?? signer;
      const view = pointerFrom(all, record, home);
      await m.Pointers.updateOne(
        { idNumber },
        {
          $set: { ...view, recordHash: hash, lastSeq: hubSeq, updatedAt: at },
          $inc: { version: 1 },
          $setOnInsert: { idNumber, homeProvince: signer, filedWith: [] },
        },
        { upsert: true, session },
      );
      await m.Changes.create(
        [{
          seq: hubSeq, idNumber, homeProvince: home, filedWith: pointer?.filedWith ?? [],
          recordId: record.recordId, recordType: record.recordType, operation: record.operation, version: record.version, at,
        }],
        { session },
      );
      const result = { ...base, outcome: "accepted" as const, reasons: [], hubSeq, recordHash: hash };
      // Counted in the same transaction as the change it counts (a failed write undoes the change).
      await deps.ledger?.write([intakeRow(batch, result, v.raw)], session);
      return result;
    });
  }

  /**
   * The common case of a first publication — records of practitioners the hub has never seen, each
   * once in the batch — applied in ONE transaction (records, pointers, changes, one counter step)
   * instead of one per record; the results are the same as record by record. Anything else (a
   * known record or practitioner, a delete, a person twice in the batch) takes the per-record path,
   * and so does everything if this transaction fails.
   */
  async function newPeopleAtOnce(valid: ValidRecord[], batch: BatchInfo): Promise<RecordResult[]> {
    const signer = batch.sourceProvince;
    const at = batch.receivedAt;
    const count = (key: (v: (typeof valid)[number]) => string) => {
      const m = new Map<string, number>();
      for (const v of valid) m.set(key(v), (m.get(key(v)) ?? 0) + 1);
      return m;
    };
    const people = count((v) => v.record.practitioner.idNumber);
    const ids = count((v) => v.record.recordId);
    const candidates = valid.filter(
      (v) => v.record.operation !== "delete" && people.get(v.record.practitioner.idNumber) === 1 && ids.get(v.record.recordId) === 1,
    );
    if (candidates.length < 2) return [];
    const [known, pointers] = await Promise.all([
      m.Records.find({ sourceProvince: signer, recordId: { $in: candidates.map((v) => v.record.recordId) } }, { recordId: 1 }).lean(),
      m.Pointers.find({ idNumber: { $in: candidates.map((v) => v.record.practitioner.idNumber) } }, { idNumber: 1 }).lean(),
    ]);
    const knownIds = new Set(known.map((r) => r.recordId));
    const knownPeople = new Set(pointers.map((p) => p.idNumber));
    const fresh = candidates.filter((v) => !knownIds.has(v.record.recordId) && !knownPeople.has(v.record.practitioner.idNumber));
    if (fresh.length < 2) return [];
    try {
      return await conn.transaction(async (session) => {
        const counter = await m.Counters.findOneAndUpdate(
          { _id: "changes" },
          { $inc: { value: fresh.length } },
          { upsert: true, returnDocument: "after", session },
        ).lean();
        if (!counter) throw new Error("change counter missing");
        const firstSeq = counter.value - fresh.length + 1;
        const rows = fresh.map((v, i) => ({ ...v, hubSeq: firstSeq + i, idNumber: v.record.practitioner.idNumber }));
        await m.Records.insertMany(
          rows.map((r) => ({ sourceProvince: signer, recordId: r.record.recordId, idNumber: r.idNumber, recordType: r.record.recordType,
            version: r.record.version, hash: r.hash, record: r.record, hubSeq: r.hubSeq, receivedAt: at })),
          { session },
        );
        await m.Pointers.insertMany(
          rows.map((r) => ({ idNumber: r.idNumber, homeProvince: signer, ...pointerFrom([{ record: r.record, version: r.record.version }], r.record),
            version: 1, recordHash: r.hash, lastSeq: r.hubSeq, filedWith: [], updatedAt: at })),
          { session },
        );
        await m.Changes.insertMany(
          rows.map((r) => ({ seq: r.hubSeq, idNumber: r.idNumber, homeProvince: signer, filedWith: [], recordId: r.record.recordId,
            recordType: r.record.recordType, operation: r.record.operation, version: r.record.version, at })),
          { session },
        );
        const results = rows.map((r) => ({ index: r.index, recordId: r.record.recordId, version: r.record.version, outcome: "accepted" as const,
          reasons: [], hubSeq: r.hubSeq, recordHash: r.hash }));
        await deps.ledger?.write(results.map((r, i) => intakeRow(batch, r, rows[i]?.raw)), session);
        return results;
      });
    } catch (err) {
      deps.logger.warn({ err, count: fresh.length }, "bulk apply failed; applying record by record");
      return [];
    }
  }

  return {
    /**
     * Checks and applies a batch from `signer` (the authenticated province). The envelope is
     * refused whole only when it is not a batch at all or is too large (413); otherwise every
     * record gets its own result.
     */
    async ingest(body: unknown, signer: string): Promise<CollectionReceipt> {
      const count = (body as { records?: unknown } | null)?.records;
      if (Array.isArray(count) && count.length > MAX_BATCH_RECORDS)
        throw new AppError("batch_too_large", 413, `每批最多 ${MAX_BATCH_RECORDS} 条记录`, { max: MAX_BATCH_RECORDS });
      const parsed = CollectionBatch.safeParse(body);
      if (!parsed.success) throw errors.badRequest("invalid_batch", "批次格式不合法", parsed.error.issues.slice(0, 10));
      const batch = parsed.data;
      const receivedAt = now();
      const results: RecordResult[] = [];
      const valid: ValidRecord[] = [];
      const info: BatchInfo = { batchId: batch.batchId, sourceProvince: signer, receivedAt };
      for (const [index, raw] of batch.records.entries()) {
        const check = checkRecord(raw, { signerProvince: signer, now: receivedAt });
        if (check.ok) valid.push({ index, record: check.record, hash: check.hash, raw });
        else results[index] = { index, recordId: check.recordId, version: check.version, outcome: "rejected", reasons: check.reasons, hubSeq: null, recordHash: null };
      }
      const fast = await newPeopleAtOnce(valid, info);
      for (const r of fast) results[r.index] = r;
      for (const v of valid) {
        if (results[v.index]) continue;
        try {
          results[v.index] = await applyOne(v, info);
        } catch (err) {
          if ((err as { code?: unknown }).code !== 11000) throw err;
          // Two provinces raced to create the same practitioner: the loser retries and is then judged on the winner.
          results[v.index] = { index: v.index, recordId: v.record.recordId, version: v.record.version, outcome: "rejected", hubSeq: null, recordHash: null,
            reasons: [{ code: "conflict_retry", field: null, message: "并发写入冲突，请重新发送" }] };
        }
      }
      // Records that changed nothing are counted after the batch; a lost row here shows only in
      // published/rejected figures, never as an accepted record the change log lacks.
      const unchanged = results.filter((r) => r.outcome !== "accepted").map((r) => intakeRow(info, r, batch.records[r.index]));
      await deps.ledger?.write(unchanged).catch((err: unknown) =>
        deps.logger.error({ err, batchId: batch.batchId, province: signer }, "intake ledger write failed for unchanged records"),
      );
      const rejections = results
        .filter((r) => r.outcome === "rejected")
        .map((r) => ({ recordId: r.recordId, version: r.version, reasons: r.reasons }));
      if (rejections.length > 0) {
        await m.Rejections.insertMany(rejections.map((r) => ({ ...r, at: receivedAt, sourceProvince: signer, batchId: batch.batchId })));
        deps.logger.info({ province: signer, batchId: batch.batchId, rejected: rejections.length }, "collection records rejected");
      }
      return { receiptId: randomUUID(), batchId: batch.batchId, sourceProvince: signer, receivedAt: receivedAt.toISOString(), results };
    },

    async rejections(query: { province?: string; limit: number }) {
      const filter = query.province ? { sourceProvince: query.province } : {};
      return m.Rejections.find(filter, { _id: 0 }).sort({ at: -1 }).limit(query.limit).lean();
    },
  };
}
export type CollectionService = ReturnType<typeof createCollectionService>;
