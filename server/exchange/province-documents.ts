import type { ClientSession, Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type { DocumentContent, PenaltyDocument } from "../contracts/exchange-documents.js";
import { fieldLabel, type ValidationIssue } from "../contracts/validation.js";
import { errors } from "../lib/errors.js";
import { binaryToBuffer } from "../lib/mongo.js";
import { checkContent, documentEntry, readDocument } from "./documents.js";
import { provinceExchangeModels, type LocalCaseDoc } from "./province-exchange.models.js";

/** Who removes expired uploads, in the audit log. */
const EXPIRY_ACTOR = { id: "exchange-upload-sweep", kind: "system" as const, name: "文书清理" };

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
    referenced: boolean,
    session?: ClientSession,
  ): Promise<void> {
    // An upload again restarts an unreferenced document's time to expire (`at`); a fetched one is
    // named by the received case it was fetched for.
    await m.Documents.updateOne(
      { sha256 },
      {
        $setOnInsert: { sha256, mediaType, bytes: data.length, data, source },
        $set: { at: now(), ...(referenced ? { referenced: true } : {}) },
      },
      { upsert: true, session },
    );
  }

  /**
   * Removes one expired upload unless a case names it, with its audit entry, in one transaction.
   * A notice naming it writes the same document (`claim`) in its own transaction, so of a notice
   * and a removal racing one commits and the other meets a write conflict and runs again on what
   * the first committed: the notice is refused (document_not_uploaded), or the upload stays.
   */
  async function expire(sha256: string, cutoff: Date): Promise<boolean> {
    return deps.audit.transaction(async (session) => {
      const named = await m.Cases.exists({ "details.documents.sha256": sha256 }).session(session);
      if (named) {
        // Kept before expiry existed (no `referenced` field) and named since: mark it, keep it.
        await m.Documents.updateOne({ sha256 }, { $set: { referenced: true } }, { session });
        return false;
      }
      const gone = await m.Documents.findOneAndDelete(
        { sha256, referenced: { $ne: true }, at: { $lte: cutoff } },
        { session, projection: { data: 0 } },
      ).lean();
      if (!gone) return false;
      await deps.audit.append(session, {
        action: "exchange.document.expired",
        actor: EXPIRY_ACTOR,
        divisionCode: gone.source,
        target: { type: "exchange_document", id: sha256 },
        details: { mediaType: gone.mediaType, bytes: gone.bytes, uploadedAt: gone.at.toISOString() },
      });
      return true;
    });
  }

  return {
    /** An officer's upload: PDF, JPEG or PNG by its bytes, within the size bound; its entry for a notice. */
    async upload(actor: AuthUser, input: { name: string; dataBase64: string }): Promise<PenaltyDocument> {
      const { data, mediaType, sha256 } = readDocument(input.dataBase64);
      // Audited with the upload: who brought which content (the notice naming it is audited apart).
      await deps.audit.transaction(async (session) => {
        await keep(data, mediaType, sha256, actor.divisionCode, false, session);
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

    /**
     * Refuses a new notice naming a document not uploaded here as named (so none is sent without
     * its content), or naming one twice.
     */
    async checkUploaded(entries: readonly PenaltyDocument[]): Promise<void> {
      if (entries.length === 0) return;
      // One document is one outgoing entry (keyed by its digest): named twice, the notice failed
      // on that key and the officer read only 记录已存在. The details list the entry as a
      // validation failure lists a field (as exchange-dates.ts does), for the form to place it.
      const index = entries.findIndex((e, i) => entries.findIndex((f) => f.sha256 === e.sha256) < i);
      const twice = entries[index];
      if (twice) {
        const path = `details.documents.${index}`;
        const message = `文书“${twice.name}”与前面列出的文书内容相同，同一份文书只能列一次`;
        const issue: ValidationIssue = {
          path,
          field: fieldLabel(path.split(".")),
          message,
          code: "duplicate_document",
        };
        throw errors.unprocessable("duplicate_document", message, [issue]);
      }
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

    /**
     * Inside the transaction recording a new notice: marks the documents it names as named, so the
     * upload sweep keeps them. Refuses (the transaction with it) when one is no longer held as
     * named: the sweep removed it after `checkUploaded` read it.
     */
    async claim(session: ClientSession, entries: readonly PenaltyDocument[]): Promise<void> {
      if (entries.length === 0) return;
      const wanted = new Map(entries.map((e) => [e.sha256, e]));
      const res = await m.Documents.updateMany(
        {
          $or: [...wanted.values()].map((e) => ({
            sha256: e.sha256,
            mediaType: e.mediaType,
            bytes: e.bytes,
          })),
        },
        { $set: { referenced: true } },
        { session },
      );
      if (res.matchedCount !== wanted.size)
        throw errors.unprocessable("document_not_uploaded", "文书已过保留期限被清除，请重新上传");
    },

    /**
     * Inside the transaction removing a refused notice (`caseId`, already deleted in `session`): its
     * documents that no other case names become plain uploads again, with a fresh time to expire
     * (the officer is likely to send them again once the refusal is cleared).
     */
    async release(session: ClientSession, entries: readonly PenaltyDocument[]): Promise<void> {
      for (const sha256 of new Set(entries.map((e) => e.sha256))) {
        const named = await m.Cases.exists({ "details.documents.sha256": sha256 }).session(session);
        if (!named)
          await m.Documents.updateOne({ sha256 }, { $set: { referenced: false, at: now() } }, { session });
      }
    },

    /**
     * Removes uploads that no case names and that were last uploaded before `at - ttlHours`, at most
     * `limit` a run; safe to run on several instances at once (each removal is conditional and
     * transactional, see `expire`). Returns how many it removed.
     */
    async sweepUploads(ttlHours: number, at: Date = now(), limit = 200): Promise<number> {
      const cutoff = new Date(at.getTime() - ttlHours * 3_600_000);
      const due = await m.Documents.find({ referenced: { $ne: true }, at: { $lte: cutoff } }, { sha256: 1 })
        .limit(limit)
        .lean();
      let removed = 0;
      for (const d of due) if (await expire(d.sha256, cutoff)) removed++;
      return removed;
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
      await keep(data, entry.mediaType, sha256, c.fromProvince, true);
      return { entry, data };
    },
  };
}
export type ProvinceDocuments = ReturnType<typeof createProvinceDocuments>;
