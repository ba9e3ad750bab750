import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import type {
  ChangesPage,
  LookupAnswer,
  LookupBody,
  LookupNoticesPage,
  LookupReason,
  PractitionerView,
} from "../contracts/hub-catalog.js";
import { noticeReasonOf } from "../contracts/hub-catalog.js";
import { createCommitNumbering, unnumberedSeq } from "../lib/commit-numbering.js";
import { maskIdNumber } from "../lib/id-number.js";
import { hubModels, type PointerDoc } from "./hub.models.js";

/**
 * What each lookup reason may see. Filing, enforcement and the holder's own request need the
 * identity in full; an employer check learns whether the qualification holds, not who the person
 * is beyond what the employer already typed (data minimisation, as the EU Prüm rules require).
 */
const MASKED_FIELDS: Record<LookupReason, readonly ("idNumber" | "name")[]> = {
  filing: [],
  transfer: [],
  enforcement: [],
  holder_request: [],
  employer_check: ["idNumber", "name"],
};

/** As the contract documents it and every page masks (`3201**********1234`): the county code and sex digit stay hidden. */
const maskId = maskIdNumber;
function maskName(name: string): string {
  const chars = [...name];
  return chars[0] + "*".repeat(Math.max(1, chars.length - 1));
}

export function presentPractitioner(p: PointerDoc, reason: LookupReason): PractitionerView {
  const masked = MASKED_FIELDS[reason];
  return {
    idNumber: masked.includes("idNumber") ? maskId(p.idNumber) : p.idNumber,
    name: masked.includes("name") ? maskName(p.name) : p.name,
    homeProvince: p.homeProvince,
    categories: p.categories,
    certificateNumber:
      masked.includes("idNumber") && p.certificateNumber === p.idNumber
        ? maskId(p.idNumber)
        : (p.certificateNumber ?? null),
    certificateStatus: (p.certificateStatus ?? null) as PractitionerView["certificateStatus"],
    validTo: p.validTo ?? null,
    version: p.version,
    recordHash: p.recordHash,
    updatedAt: p.updatedAt.toISOString(),
    masked: [...masked],
  };
}

/**
 * The catalog service interface (数据资源目录服务): lookups that always name the officer, the
 * reason and the case, each logged before it is answered and shown to the practitioner's home
 * province; and the incremental download of changes by hub sequence number.
 */
export function createCatalogService(conn: Connection, deps: { now?: () => Date } = {}) {
  const m = hubModels(conn);
  const now = deps.now ?? (() => new Date());

  /**
   * Numbers the committed lookups before any read by sequence. A number taken before the insert
   * committed let a later lookup commit first: the home province pulled past it and never saw the
   * earlier one (two hub instances, or two requests in one, issue 12).
   */
  const numberCommitted = createCommitNumbering({
    conn,
    model: m.Lookups,
    counters: m.Counters,
    counterId: "lookups",
    pending: { unnumbered: true },
    order: { at: 1, _id: 1 },
    numbered: (seq) => ({ $set: { seq }, $unset: { unnumbered: 1 } }),
  });

  /**
   * Only a person with a record not deleted is found: a pointer whose records were all deleted
   * kept the deleted record's name and answered for an ID number the person does not hold.
   */
  const LIVE = { live: { $ne: false } } as const;

  async function find(query: LookupBody["query"]): Promise<PointerDoc[]> {
    switch (query.by) {
      case "id_number":
        return m.Pointers.find({ idNumber: query.idNumber.trim().toUpperCase(), ...LIVE })
          .limit(1)
          .lean<PointerDoc[]>();
      case "name_id_number":
        return m.Pointers.find({ idNumber: query.idNumber.trim().toUpperCase(), name: query.name, ...LIVE })
          .limit(1)
          .lean<PointerDoc[]>();
      case "certificate_number":
        return m.Pointers.find({ certificateNumber: query.certificateNumber.trim().toUpperCase(), ...LIVE })
          .limit(5)
          .lean<PointerDoc[]>();
    }
  }

  return {
    async lookup(body: LookupBody, requestingProvince: string): Promise<LookupAnswer> {
      const found = await find(body.query);
      const lookupId = randomUUID();
      // Logged before the answer leaves: a lookup that cannot be logged is not answered. Numbered
      // for the home province's cursor only once committed (numberCommitted, before each read).
      // Through the driver: every field is built here from the parsed body and the pointers read,
      // so a mongoose document (casting, validation) per lookup only cost CPU; catalog.test.ts
      // checks the written document against the schema.
      await m.Lookups.collection.insertOne({
        lookupId,
        seq: unnumberedSeq(),
        unnumbered: true,
        at: now(),
        requestingProvince,
        officerId: body.officerId,
        officerName: body.officerName ?? null,
        reason: body.reason,
        caseReference: body.caseReference,
        queryBy: body.query.by,
        matches: found.map((p) => ({ idNumber: p.idNumber, homeProvince: p.homeProvince })),
      });
      return {
        lookupId,
        reason: body.reason,
        matches: found.map((p) => presentPractitioner(p, body.reason)),
      };
    },

    /** Changes to the practitioners homed in or filed with `province`, after the cursor. */
    async changes(province: string, after: number, limit: number): Promise<ChangesPage> {
      const rows = await m.Changes.find({
        $or: [{ homeProvince: province }, { filedWith: province }],
        seq: { $gt: after },
      })
        .sort({ seq: 1 })
        .limit(limit + 1)
        .lean();
      const page = rows.slice(0, limit);
      return {
        changes: page.map((c) => ({
          seq: c.seq,
          idNumber: c.idNumber,
          homeProvince: c.homeProvince,
          recordId: c.recordId,
          recordType: c.recordType,
          operation: c.operation as "add" | "update" | "delete",
          version: c.version,
          at: c.at.toISOString(),
        })),
        nextCursor: page.at(-1)?.seq ?? after,
        hasMore: rows.length > limit,
      };
    },

    /** Lookups made of `province`'s own practitioners (by anyone), after the cursor. */
    async lookupNotices(province: string, after: number, limit: number): Promise<LookupNoticesPage> {
      await numberCommitted();
      const rows = await m.Lookups.find({ "matches.homeProvince": province, seq: { $gt: after } })
        .sort({ seq: 1 })
        .limit(limit + 1)
        .lean();
      const page = rows.slice(0, limit);
      return {
        lookups: page.flatMap((l) =>
          l.matches
            .filter((x) => x.homeProvince === province)
            .map((x) => ({
              seq: l.seq,
              lookupId: l.lookupId,
              at: l.at.toISOString(),
              requestingProvince: l.requestingProvince,
              officerId: l.officerId,
              officerName: l.officerName ?? null,
              // A transfer reads filing with transfer: true (NoticeReason: older provinces).
              ...noticeReasonOf(l.reason as LookupReason),
              caseReference: l.caseReference,
              idNumber: x.idNumber ?? "",
            })),
        ),
        nextCursor: page.at(-1)?.seq ?? after,
        hasMore: rows.length > limit,
      };
    },

    /**
     * The operator's page of the lookup log, newest first: with `province`, the lookups that
     * province made or that found one of its practitioners (their home province, as the lookup
     * notices are addressed); with `beforeSeq` (the last row's `seq`), the page before it.
     */
    async recentLookups(query: { limit: number; province?: string; beforeSeq?: number }) {
      await numberCommitted();
      // Numbered lookups only: one not numbered yet (a negative placeholder) has no place in the order.
      const filter: Record<string, unknown> = {
        seq: { $gt: 0, ...(query.beforeSeq ? { $lt: query.beforeSeq } : {}) },
      };
      if (query.province)
        filter.$or = [{ requestingProvince: query.province }, { "matches.homeProvince": query.province }];
      return m.Lookups.find(filter, { _id: 0 }).sort({ seq: -1 }).limit(query.limit).lean();
    },
  };
}
export type CatalogService = ReturnType<typeof createCatalogService>;
