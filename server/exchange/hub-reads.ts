import { CaseSourceRecord } from "../contracts/exchange.js";
import { DocumentContent } from "../contracts/exchange-documents.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { AppError, errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { NodeClient } from "../sharing/index.js";
import { ownEntry } from "../contracts/own-entry.js";

/**
 * Why the hub gave no document, as the officer reads it: words, never the hub's status and code
 * (全国中心未提供该文书（404 case_not_found） told an officer nothing); the code goes to the log.
 */
const DOCUMENT_REFUSALS: Readonly<Record<string, string>> = {
  case_not_found: "全国中心没有该交换事项的记录，无法取得文书",
  document_not_in_case: "全国中心记录的该事项中没有这份文书",
  node_suspended: "本节点已被全国中心暂停，暂不能取得文书，请联系全国中心",
  unknown_key: "全国中心尚未登记本节点的密钥，暂不能取得文书，请联系运维人员",
  clock_skew: "全国中心按时间拒绝了本节点的请求，请联系运维人员检查本节点服务器的时钟",
  signature_expired: "全国中心按时间拒绝了本节点的请求，请联系运维人员检查本节点服务器的时钟",
  rate_limited: "全国中心当前请求过多，请稍后再试",
};
const DOCUMENT_BUSY = "全国中心暂时无法提供该文书，请稍后再试";
const DOCUMENT_REFUSED = "全国中心未能提供该文书，请稍后再试；仍不能取得的，请联系运维人员";

/** The officer's words for the hub's answer `status` / `code` to a document read. */
function documentRefusal(status: number, code: string | undefined): string {
  const known = code === undefined ? undefined : ownEntry(DOCUMENT_REFUSALS, code);
  if (known) return known;
  return status >= 500 || status === 429 ? DOCUMENT_BUSY : DOCUMENT_REFUSED;
}

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
      const code = answer.error?.code;
      options.logger.warn({ caseId, status: answer.status, code }, "hub refused the document");
      throw new AppError("hub_refused", 502, documentRefusal(answer.status, code));
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
