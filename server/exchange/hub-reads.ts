import { CaseSourceRecord } from "../contracts/exchange.js";
import { DocumentContent } from "../contracts/exchange-documents.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { AppError, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { NodeClient } from "../sharing/index.js";

/**
 * What a province reads from the hub about one of its cases, on an officer's request (signed
 * answers, read when asked, never queued): a notice's document, and on an agreed transfer the hub's
 * current record of the home's certificate. Part of the exchange transport.
 */
export function createHubReads(options: { client: () => NodeClient | null; logger: Logger }) {
  return {
    /** The hub's copy of a document of a case this province is party to (a signed answer). */
    async fetchDocument(caseId: string, sha256: string): Promise<DocumentContent> {
      const client = options.client();
      if (!client) throw new AppError("hub_not_configured", 503, "本节点尚未接入全国中心，暂不能取得文书");
      let answer;
      try {
        answer = await client.call("GET", `/api/hub/v1/exchange/cases/${caseId}/documents/${sha256}`);
      } catch (err) {
        options.logger.warn({ err, caseId }, "document fetch from the hub failed");
        throw new AppError("hub_unreachable", 502, "无法连接全国中心，请稍后再试");
      }
      if (answer.status === 200) return DocumentContent.parse(answer.body);
      if (answer.error?.code === "document_pending")
        throw errors.conflict("document_pending", "文书尚未送达全国中心，请稍后再试");
      throw new AppError(
        "hub_refused",
        502,
        `全国中心未提供该文书（${answer.status} ${answer.error?.code ?? ""}）`,
      );
    },
    /**
     * The hub's current record of the home's certificate on the agreed transfer `caseId` (a signed
     * answer; null: the home has none now). Whatever keeps the hub from answering, issuance on the
     * record cannot know whether it still stands: refused `source_status_unknown`, as issuance on
     * a signed certificate is when the home's status list cannot be read.
     */
    async currentSourceRecord(caseId: string): Promise<QualificationRecord | null> {
      const unknown = () =>
        errors.conflict(
          "source_status_unknown",
          "暂时无法从全国中心取得原籍省份证书的当前记录，不能换发；请稍后再试",
        );
      const client = options.client();
      if (!client) throw unknown();
      try {
        const answer = await client.call("GET", `/api/hub/v1/exchange/cases/${caseId}/source-record`);
        if (answer.status === 200) return CaseSourceRecord.parse(answer.body).sourceRecord;
        options.logger.warn(
          { caseId, status: answer.status, code: answer.error?.code },
          "hub refused the source record",
        );
      } catch (err) {
        options.logger.warn({ err, caseId }, "source record fetch from the hub failed");
      }
      throw unknown();
    },
  };
}
