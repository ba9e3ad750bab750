import type { ClientSession, Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type { DocumentContent, PenaltyDocument } from "../contracts/exchange-documents.js";
import { errors } from "../lib/errors.js";
import { binaryToBuffer } from "../lib/mongo.js";
import { checkContent, documentEntry, readDocument } from "./documents.js";
import { provinceExchangeModels, type LocalCaseDoc } from "./province-exchange.models.js";

/**
 * What the transport sends to the hub for a notice's queued document: the content this node holds
 * under the digest the notice names, with the notice's name and type for it.
 */
export async function heldDocumentContent(
  conn: Connection,
  caseId: string,
  sha256: string,
): Promise<DocumentContent> {
  const m = provinceExchangeModels(conn);
  const c = await m.Cases.findOne({ caseId }, { details: 1 }).lean();
  const entry = documentEntry(c?.details, sha256);
  const held = await m.Documents.findOne({ sha256 }).lean();
  if (!entry || !held) throw new Error(`document ${sha256} of case ${caseId} is not held`);
  return {
    sha256,
    mediaType: entry.mediaType,
    name: entry.name,
    dataBase64: binaryToBuffer(held.data).toString("base64"),
  };
}

/**
 * A province's documents of enforcement notices: the reporting officer uploads them first (checked
 * by content, kept by digest), the notice names them, the transport sends each to the hub after
 * the notice, and an officer of the receiving province reads one through the case, which fetches
 * it from the hub the first time and checks it against the notice's entry. Who may read a document
 * is decided by the case (the caller's `visibleCase`), never by the document.
 */
export function createProvinceDocuments(
  conn: Connection,
  deps: {
    /** The hub's copy of a received notice's document (signed answer); throws the hub's refusal. */
    fetch: (caseId: string, sha256: string) => Promise<DocumentContent>;
    audit: AuditLog;
    now?: () => Date;
  },
) {
  const m = provinceExchangeModels(conn);
  const now = deps.now ?? (() => new Date());

  async function keep(
    data: Buffer,
    mediaType: string,
    sha256: string,
    source: string,
    session?: ClientSession,
  ): Promise<void> {
    await m.Documents.updateOne(
      { sha256 },
      { $setOnInsert: { sha256, mediaType, bytes: data.length, data, source, at: now() } },
      { upsert: true, session },
    );
  }

  return {
    /** An officer's upload: PDF, JPEG or PNG by its bytes, within the size bound; its entry for a notice. */
    async upload(actor: AuthUser, input: { name: string; dataBase64: string }): Promise<PenaltyDocument> {
      const { data, mediaType, sha256 } = readDocument(input.dataBase64);
      // Audited with the upload: who brought which content (the notice naming it is audited apart).
      await deps.audit.transaction(async (session) => {
        await keep(data, mediaType, sha256, actor.divisionCode, session);
        await deps.audit.append(session, {
          action: "exchange.document.uploaded",
          actor,
          divisionCode: actor.divisionCode,
          target: { type: "exchange_document", id: sha256 },
          details: { name: input.name, mediaType, bytes: data.length },
        });
      });
      return { name: input.name, mediaType, sha256, bytes: data.length };
    },

    /** Refuses a new notice naming a document not uploaded here as named (so none is sent without its content). */
    async checkUploaded(entries: readonly PenaltyDocument[]): Promise<void> {
      if (entries.length === 0) return;
      const held = await m.Documents.find(
        { sha256: { $in: entries.map((e) => e.sha256) } },
        { sha256: 1, mediaType: 1, bytes: 1 },
      ).lean();
      for (const e of entries) {
        const h = held.find((x) => x.sha256 === e.sha256);
        if (!h || h.mediaType !== e.mediaType || h.bytes !== e.bytes)
          throw errors.unprocessable(
            "document_not_uploaded",
            `文书“${e.name}”未上传或与上传的文件不符，请重新上传`,
          );
      }
    },

    /** A document of case `c` (which the caller checked the actor may see), fetched from the hub once if received. */
    async read(c: LocalCaseDoc, sha256: string): Promise<{ entry: PenaltyDocument; data: Buffer }> {
      const entry = documentEntry(c.details, sha256);
      if (!entry) throw errors.notFound("该事项的文书", "document_not_in_case");
      const held = await m.Documents.findOne({ sha256 }).lean();
      if (held) return { entry, data: binaryToBuffer(held.data) };
      if (c.box !== "in") throw errors.notFound("该事项的文书", "document_not_in_case");
      // The entry came in the hub's signed inbox page with the sender's case body: the content must match it.
      const data = checkContent(await deps.fetch(c.caseId, sha256), entry);
      await keep(data, entry.mediaType, sha256, c.fromProvince);
      return { entry, data };
    },
  };
}
export type ProvinceDocuments = ReturnType<typeof createProvinceDocuments>;
