import type { Connection } from "mongoose";
import type { CaseReceipt } from "../contracts/exchange.js";
import { DocumentContent } from "../contracts/exchange-documents.js";
import { holdNodeForWrite } from "../hub/index.js";
import { errors } from "../lib/errors.js";
import { binaryToBuffer, isDuplicateKey } from "../lib/mongo.js";
import { checkContent, documentEntry } from "./documents.js";
import { hubExchangeModels } from "./hub-exchange.models.js";
import { caseReceipt } from "./hub-inbox.js";

/**
 * The hub's part in a notice's documents: it takes each from the reporting province only if the
 * notice it holds names it (digest, size, type: the case body that province signed), keeps it
 * once, and gives it to either province of the case. Nothing is kept of a document that fails a
 * check.
 */
export function createHubDocuments(conn: Connection, deps: { now?: () => Date } = {}) {
  const m = hubExchangeModels(conn);
  const now = deps.now ?? (() => new Date());

  async function caseFor(caseId: string) {
    const c = await m.Cases.findOne({ caseId }).lean();
    if (!c) throw errors.notFound("交换事项", "case_not_found");
    return c;
  }

  return {
    /**
     * A document of `caseId` from `province`; an identical re-send is answered again. Kept in a
     * transaction that checks the node again (holdNodeForWrite, with the gate's `keyId`): one
     * suspended since the gate let the request in keeps nothing here.
     */
    async receive(caseId: string, raw: unknown, province: string, keyId?: string): Promise<CaseReceipt> {
      const content = DocumentContent.parse(raw);
      const c = await caseFor(caseId);
      if (c.fromProvince !== province)
        throw errors.forbidden("只有报送抄告的省份可以提交其文书", "not_case_sender");
      const data = checkContent(
        content,
        documentEntry((c.body as { details?: unknown }).details, content.sha256),
      );
      const at = now();
      try {
        await conn.transaction(async (session) => {
          await holdNodeForWrite(conn, session, { provinceCode: province, ...(keyId ? { keyId } : {}) }, at);
          await m.Documents.create(
            [{ caseId, sha256: content.sha256, mediaType: content.mediaType, bytes: data.length, data, at }],
            { session },
          );
        });
      } catch (err) {
        // Already held: the digest matched, so the content is the same.
        if (!isDuplicateKey(err)) throw err;
      }
      return caseReceipt(c);
    },

    /** A document of `caseId` for the province that sent or received the case. */
    async give(caseId: string, sha256: string, province: string): Promise<DocumentContent> {
      const c = await caseFor(caseId);
      if (c.fromProvince !== province && c.toProvince !== province)
        throw errors.notFound("交换事项", "case_not_found");
      const entry = documentEntry((c.body as { details?: unknown }).details, sha256);
      if (!entry) throw errors.notFound("该事项的文书", "document_not_in_case");
      const doc = await m.Documents.findOne({ caseId, sha256 }).lean();
      if (!doc) throw errors.conflict("document_pending", "文书尚未送达全国中心，请稍后再试");
      return {
        sha256,
        mediaType: entry.mediaType,
        name: entry.name,
        dataBase64: binaryToBuffer(doc.data).toString("base64"),
      };
    },
  };
}
export type HubDocuments = ReturnType<typeof createHubDocuments>;
