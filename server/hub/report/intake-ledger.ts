import type { Connection } from "mongoose";
import type { CollectionReceipt } from "../../contracts/hub.js";
import type { Logger } from "../../lib/logger.js";
import type { CollectionService } from "../collection.service.js";
import { completenessOf } from "./figures.js";
import { reportModels } from "./report.models.js";

/** MOT's UpdateTime (`YYYYMMDDhhmmss`, Beijing time, UTC+8 without DST) as an instant; null if it is no real time. */
export function updateTimeInstant(value: unknown): Date | null {
  if (typeof value !== "string" || !/^\d{14}$/.test(value)) return null;
  const n = [0, 4, 6, 8, 10, 12].map((i, k) => Number(value.slice(i, k === 0 ? 4 : i + 2)));
  const [y, mo, d, h, mi, s] = n as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d, h - 8, mi, s));
  const back = new Date(at.getTime() + 8 * 3600_000);
  const same =
    back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h &&
    back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return same ? at : null;
}

/**
 * The collection service with every receipt written to the intake ledger: one row per record,
 * after the batch is applied. The records' own transactions stay as they are; a failed ledger
 * write is logged and shows in the report as a disagreement with the hub's change log
 * (`ledgerConsistent: false`), never as silently wrong figures.
 */
export function withIntakeLedger(collection: CollectionService, conn: Connection, logger: Logger): CollectionService {
  const { Intake } = reportModels(conn);
  async function record(body: unknown, receipt: CollectionReceipt): Promise<void> {
    const raw = (body as { records?: unknown[] }).records ?? [];
    const at = new Date(receipt.receivedAt);
    const rows = receipt.results.map((r) => {
      const rec = raw[r.index];
      const obj = rec && typeof rec === "object" ? (rec as Record<string, unknown>) : {};
      const recordType = obj.recordType === "exam_pass" || obj.recordType === "certificate" ? obj.recordType : null;
      return {
        at,
        sourceProvince: receipt.sourceProvince,
        batchId: receipt.batchId,
        index: r.index,
        recordId: r.recordId,
        version: r.version,
        recordType,
        outcome: r.outcome,
        reasonCodes: [...new Set(r.reasons.map((x) => x.code))],
        sourceAt: updateTimeInstant(obj.updateTime),
        elements: r.outcome === "accepted" ? completenessOf(obj) : {},
      };
    });
    if (rows.length > 0) await Intake.insertMany(rows, { ordered: false });
  }
  return {
    ...collection,
    async ingest(body, signer) {
      const receipt = await collection.ingest(body, signer);
      try {
        await record(body, receipt);
      } catch (err) {
        logger.error({ err, batchId: receipt.batchId, province: signer }, "intake ledger write failed; the monthly report will flag it");
      }
      return receipt;
    },
  };
}
