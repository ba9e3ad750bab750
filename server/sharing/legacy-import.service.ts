import { randomUUID } from "node:crypto";
import { canSeeDivision } from "../access/index.js";
import type { AuthUser } from "../contracts/auth.js";
import {
  CollectionReceipt,
  MAX_BATCH_RECORDS,
  type LegacyPublishDto,
  type LegacyRegisterUpload,
} from "../contracts/hub.js";
import { AppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { cleanRegister, readRegisterFile, type CleaningReport, type RegisterRow } from "./legacy-register.js";
import type { LookupAuditPort } from "./lookup.service.js";
import type { NodeClient } from "./node-client.js";
import { decodeBase64 } from "../lib/base64.js";

/** The rows of an uploaded register (see `readRegisterFile`). */
async function readRows(file: LegacyRegisterUpload): Promise<RegisterRow[]> {
  return readRegisterFile(decodeBase64(file.dataBase64, "登记册文件"));
}

/**
 * The legacy register import of a province joining the hub: check (a cleaning report, nothing
 * written), then publish the clean register through the collection interface in signed batches.
 * A register with any refused row is not published at all; publishing is idempotent (stable record
 * ids, version 1), so an interrupted run is simply run again.
 */
export function createLegacyImportService(deps: {
  provinceCode: string;
  client: () => NodeClient | null;
  audit: LookupAuditPort;
  logger: Logger;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  /** The file's rows cleaned, a row issued outside the actor's division refused with the rest. */
  async function clean(actor: AuthUser, file: LegacyRegisterUpload) {
    return cleanRegister(await readRows(file), {
      provinceCode: deps.provinceCode,
      now: now(),
      inScope: (division) => canSeeDivision(actor.divisionCode, division),
    });
  }

  return {
    async check(actor: AuthUser, file: LegacyRegisterUpload): Promise<CleaningReport> {
      return (await clean(actor, file)).report;
    },

    async publish(actor: AuthUser, file: LegacyRegisterUpload): Promise<LegacyPublishDto> {
      const { report, records } = await clean(actor, file);
      if (report.fileProblems.length > 0 || report.refused.length > 0)
        throw new AppError(
          "register_not_clean",
          422,
          `有 ${report.refused.length} 行未通过检查，未上报任何记录；请修正后重新上传`,
          report,
        );
      const client = deps.client();
      if (!client) throw new AppError("hub_not_configured", 503, "本节点尚未接入全国中心，暂不能上报");
      await deps.audit.record({
        action: "hub.legacy_register_published",
        actor,
        divisionCode: actor.divisionCode,
        target: { type: "register", id: file.fileName },
        details: { rows: report.rows },
      });
      const result: LegacyPublishDto = {
        rows: report.rows,
        accepted: 0,
        duplicate: 0,
        stale: 0,
        rejected: [],
      };
      for (let i = 0; i < records.length; i += MAX_BATCH_RECORDS) {
        const batch = records.slice(i, i + MAX_BATCH_RECORDS);
        let answer;
        try {
          answer = await client.call("POST", "/api/hub/v1/collection/records", {
            batchId: `legacy-${randomUUID()}`,
            records: batch,
          });
        } catch (err) {
          deps.logger.warn({ err, at: i }, "legacy register publish interrupted");
          throw new AppError(
            "hub_unreachable",
            502,
            `上报在第 ${i + 1} 条中断（无法连接全国中心）；已上报的记录重发时不会重复，请稍后重新上报`,
          );
        }
        const receipt = CollectionReceipt.safeParse(answer.body);
        if (answer.status !== 200 || !receipt.success)
          throw new AppError(
            "hub_refused",
            502,
            `全国中心拒绝了第 ${i + 1} 条起的批次（${answer.status}）；请稍后重新上报`,
          );
        for (const r of receipt.data.results) {
          if (r.outcome === "rejected") result.rejected.push({ recordId: r.recordId, reasons: r.reasons });
          else result[r.outcome]++;
        }
      }
      return result;
    },
  };
}
export type LegacyImportService = ReturnType<typeof createLegacyImportService>;
