import type { Connection } from "mongoose";
import type {
  AuditActor,
  AuditEntryDto,
  AuditListDto,
  AuditVerificationDto,
  ListAuditQuery,
} from "../contracts/audit.js";
import type { AuthUser } from "../contracts/auth.js";
import { divisionFilter, divisionLevel } from "../access/index.js";
import { divisionName } from "../organisation/index.js";
import { auditEntryModel, auditHeadModel, type AuditEntryDoc } from "./audit.model.js";
import { findChainProblems, GENESIS_HASH, sealEntry } from "./audit-hash.js";

/** What a feature records: who did what to which thing, inside which division. */
export interface AuditRecordInput {
  action: string;
  actor: AuditActor | AuthUser | null;
  divisionCode?: string | null;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
}

const MAX_ATTEMPTS = 20;

/** Maps an AuthUser (or null, for anonymous requests) to the audit actor. */
export function toAuditActor(actor: AuditActor | AuthUser | null): AuditActor {
  if (!actor) return { id: "", kind: "anonymous", name: "匿名" };
  if ("displayName" in actor) return { id: actor.id, kind: actor.kind, name: actor.displayName };
  return actor;
}

/**
 * The append-only audit log. Appends within one process are queued so they rarely race; across
 * processes the unique `seq` index makes a racing append fail with a duplicate key and retry on
 * top of the new head, so the chain never forks.
 */
export function createAuditService(conn: Connection) {
  const Entries = auditEntryModel(conn);
  const Head = auditHeadModel(conn);
  let queue: Promise<unknown> = Promise.resolve();

  async function appendOnce(input: AuditRecordInput): Promise<AuditEntryDto> {
    for (let attempt = 1; ; attempt++) {
      const last = await Entries.findOne({}, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean();
      const head = await Head.findOne({ key: "audit" }).lean();
      const seq = Math.max(last?.seq ?? 0, head?.seq ?? 0) + 1;
      const prevHash = last && last.seq === seq - 1 ? last.hash : (last?.hash ?? GENESIS_HASH);
      const { fields, hash } = sealEntry({
        seq,
        at: new Date(),
        action: input.action,
        actor: toAuditActor(input.actor),
        divisionCode: input.divisionCode ?? null,
        target: input.target ?? null,
        details: input.details ?? {},
        prevHash,
      });
      try {
        await Entries.create({ ...fields, hash });
        await Head.updateOne({ key: "audit" }, { $max: { seq } }, { upsert: true });
        return toDto({ ...fields, hash });
      } catch (err) {
        if ((err as { code?: unknown }).code !== 11000 || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  return {
    /** Appends one entry; resolves once it is durable. */
    record(input: AuditRecordInput): Promise<AuditEntryDto> {
      const next = queue.then(() => appendOnce(input));
      queue = next.catch(() => undefined);
      return next;
    },

    /**
     * Entries newest first, restricted to the viewer's division scope, and how many the viewer
     * may see under the same filter (ignoring paging).
     */
    async list(viewer: AuthUser, query: ListAuditQuery): Promise<AuditListDto> {
      const conditions: Record<string, unknown>[] = [visibleTo(viewer.divisionCode)];
      if (query.action) conditions.push({ action: query.action });
      if (query.actorId) conditions.push({ "actor.id": query.actorId });
      if (query.targetId) conditions.push({ "target.id": query.targetId });
      const filter = { $and: conditions };
      const page = query.beforeSeq ? { $and: [...conditions, { seq: { $lt: query.beforeSeq } }] } : filter;
      const [rows, total] = await Promise.all([
        Entries.find(page).sort({ seq: -1 }).limit(query.limit).lean(),
        Entries.countDocuments(filter),
      ]);
      return { entries: rows.map(toDto), total };
    },

    /** Recomputes the whole chain and names every edited or deleted entry. */
    async verify(): Promise<AuditVerificationDto> {
      const rows = await Entries.find({}).sort({ seq: 1 }).lean();
      const head = await Head.findOne({ key: "audit" }).lean();
      const problems = findChainProblems(
        rows.map((r) => ({
          seq: r.seq,
          at: r.at,
          action: r.action,
          actor: { id: r.actor?.id ?? "", kind: r.actor?.kind ?? "", name: r.actor?.name ?? "" },
          divisionCode: r.divisionCode ?? null,
          target: (r.target ?? null) as { type: string; id: string } | null,
          details: r.details as unknown,
          prevHash: r.prevHash,
          hash: r.hash,
        })),
        head?.seq ?? 0,
      );
      return { ok: problems.length === 0, checked: rows.length, problems };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;

/**
 * The entries an admin may read. Entries without a division are the node's own (failed logins,
 * rooms and seat tokens, question imports, results publishing): the node's province-level admins
 * oversee the whole node and see them; a city or county admin sees only their own divisions.
 */
function visibleTo(viewerDivision: string): Record<string, unknown> {
  switch (divisionLevel(viewerDivision)) {
    case "ministry":
      return {};
    case "province":
      return { $or: [divisionFilter(viewerDivision), { divisionCode: null }] };
    case "city":
    case "county":
      return divisionFilter(viewerDivision);
  }
}

function toDto(
  e: Pick<AuditEntryDoc, "seq" | "at" | "action" | "prevHash" | "hash" | "divisionCode"> & {
    actor?: { id?: string | null; kind?: string | null; name?: string | null } | null;
    target?: unknown;
    details?: unknown;
  },
): AuditEntryDto {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    action: e.action,
    actor: {
      id: e.actor?.id ?? "",
      kind: (e.actor?.kind ?? "anonymous") as AuditActor["kind"],
      name: e.actor?.name ?? "",
    },
    divisionCode: e.divisionCode ?? null,
    divisionName: e.divisionCode ? (divisionName(e.divisionCode) ?? e.divisionCode) : null,
    target: (e.target ?? null) as AuditEntryDto["target"],
    details: (e.details ?? {}) as Record<string, unknown>,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
