import type { ClientSession, Connection } from "mongoose";
import {
  divisionCodesIn,
  type AuditAction,
  type AuditActor,
  type AuditEntryDto,
  type AuditListDto,
  type AuditVerificationDto,
  type ListAuditQuery,
} from "../contracts/audit.js";
import type { AuthUser } from "../contracts/auth.js";
import { divisionFilter, divisionLevel } from "../access/index.js";
import { forEachInSeqOrder, isDuplicateKey } from "../lib/mongo.js";
import { auditEntryModel, auditHeadModel, type AuditEntryDoc } from "./audit.model.js";
import { chainChecker, GENESIS_HASH, sealEntry } from "./audit-hash.js";
import { pageReferences, type AuditReferenceNames } from "./reference-names.js";

/** What a feature records: who did what to which thing, inside which division. */
export interface AuditRecordInput {
  action: AuditAction;
  actor: AuditActor | AuthUser | null;
  divisionCode?: string | null;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
}

/** Maps an AuthUser (or null, for anonymous requests) to the audit actor. */
export function toAuditActor(actor: AuditActor | AuthUser | null): AuditActor {
  if (!actor) return { id: "", kind: "anonymous", name: "匿名" };
  if ("displayName" in actor) return { id: actor.id, kind: actor.kind, name: actor.displayName };
  return actor;
}

const HEAD_KEY = "audit";

/** The names of the divisions the entries' details name by code. */
function divisionNamesIn(
  rows: readonly { details?: unknown }[],
  nameOf: (code: string) => string | null,
): Record<string, string> {
  const names: Record<string, string> = {};
  for (const r of rows)
    for (const code of divisionCodesIn((r.details ?? {}) as Record<string, unknown>)) {
      const name = nameOf(code);
      if (name) names[code] = name;
    }
  return names;
}

/** The chain's end: the last sequence number and its entry's hash. */
interface Head {
  seq: number;
  hash: string;
}

export interface AuditOptions {
  /** A division's name for the list (the organisation feature's division list, injected: no cycle). */
  divisionName?: (code: string) => string | null;
  /**
   * Who names the sessions, candidates, seats and attempts the details hold ids of (the owning
   * features' ports, injected: no cycle). Read at each list, so the composition root may fill it
   * once those features exist.
   */
  references?: AuditReferenceNames;
  /**
   * The time entries are stamped with; default the system clock. Only the demo's past
   * (scripts/demo-history.ts) sets it, back to the day it records; the chain links by `seq` and
   * hash, so such entries verify like any other.
   */
  now?: () => Date;
}

/**
 * The append-only audit log, written INSIDE the transaction of the change it records: a change
 * that fails or aborts leaves no entry, and a recorded change cannot lose its entry to a crash.
 *
 * Chain under concurrency: an append first increments the head document's `seq` inside the
 * transaction and takes `prevHash` from the head too. Two concurrent transactions therefore both
 * write the head; the second gets a WriteConflict and the driver's `withTransaction` retries it
 * from the start, on top of the first one's entry, so two entries can never link to the same
 * predecessor (the unique `seq` index backs this up). Within one process audited transactions
 * are queued, so they rarely meet at all.
 */
export function createAuditService(conn: Connection, options: AuditOptions = {}) {
  const Entries = auditEntryModel(conn);
  const Head = auditHeadModel(conn);
  const nameOf = options.divisionName ?? (() => null);
  const now = options.now ?? (() => new Date());
  let queue: Promise<unknown> = Promise.resolve();
  // The head must exist before the first transaction: two transactions upserting it at once
  // would insert two documents with the same key (a duplicate, not a retried write conflict).
  let headReady: Promise<unknown> | null = null;
  const ensureHead = () =>
    (headReady ??= Head.updateOne({ key: HEAD_KEY }, { $setOnInsert: { seq: 0 } }, { upsert: true }).catch(
      (err: unknown) => {
        headReady = null;
        // Another instance inserted it first: it exists, which is all we need.
        if (!isDuplicateKey(err)) throw err;
      },
    ));

  // The head as this process last committed it. With it an append writes the head and its entry
  // without reading the head first (2 commands instead of 3; a question import audits every
  // batch). It is only a guess: the head update is conditional on it, and when another process
  // or an aborted transaction has moved the head the update matches nothing and the append reads
  // the head as before. Each attempt's own head is promoted only once its transaction commits.
  let known: Head | null = null;
  const written = new WeakMap<ClientSession, Head>();

  async function append(session: ClientSession, input: AuditRecordInput): Promise<AuditEntryDto> {
    if (!session.inTransaction()) throw new Error("audit entries are appended inside a transaction");
    const fields = {
      at: now(),
      action: input.action,
      actor: toAuditActor(input.actor),
      divisionCode: input.divisionCode ?? null,
      target: input.target ?? null,
      details: input.details ?? {},
    };
    const base = written.get(session) ?? known;
    if (base) {
      const sealed = sealEntry({ ...fields, seq: base.seq + 1, prevHash: base.hash });
      const moved = await Head.updateOne(
        { key: HEAD_KEY, seq: base.seq, hash: base.hash },
        { $set: { seq: base.seq + 1, hash: sealed.hash } },
        { session },
      );
      if (moved.matchedCount === 1) return store(session, sealed);
    }
    const head = await Head.findOneAndUpdate(
      { key: HEAD_KEY },
      { $inc: { seq: 1 } },
      { session, returnDocument: "after" },
    ).lean();
    if (!head) throw new Error("audit head missing");
    const seq = head.seq;
    // Heads written before the head kept the last hash: take it from the newest entry instead.
    const newest = head.hash
      ? null
      : await Entries.findOne({ seq: { $lt: seq } }, { hash: 1 })
          .sort({ seq: -1 })
          .session(session)
          .lean();
    const prevHash = head.hash ?? newest?.hash ?? GENESIS_HASH;
    const sealed = sealEntry({ ...fields, seq, prevHash });
    await Head.updateOne({ key: HEAD_KEY }, { $set: { hash: sealed.hash } }, { session });
    return store(session, sealed);
  }

  async function store(session: ClientSession, sealed: ReturnType<typeof sealEntry>): Promise<AuditEntryDto> {
    const { fields, hash } = sealed;
    await Entries.create([{ ...fields, hash }], { session });
    written.set(session, { seq: fields.seq, hash });
    return toDto({ ...fields, hash });
  }

  /** Runs `work` as one transaction (retried whole on a write conflict), queued behind this process's others. */
  function transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
    const next = queue.then(async () => {
      await ensureHead();
      let used: ClientSession | null = null;
      const result = await conn.transaction((session) => {
        // A retried attempt starts from the committed head again.
        written.delete(session);
        used = session;
        return work(session);
      });
      const head = used ? written.get(used) : undefined;
      if (head) known = head;
      return result;
    });
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    /**
     * Runs a change and its audit entry as one transaction: `work` makes the change with
     * `session` and calls `append(session, …)`. Never nest: the queue would wait for itself.
     */
    transaction,

    /** Appends one entry inside the caller's transaction (see `transaction`). */
    append,

    /**
     * The account whose answered national lookup (`hub.lookup_answered`) carries `lookupId`, or null
     * when the log has none: one indexed read, for the exchange's check that a case cites its
     * sender's own lookup.
     */
    async actorOfLookup(lookupId: string): Promise<string | null> {
      const entry = await Entries.findOne({ "details.lookupId": lookupId, action: "hub.lookup_answered" })
        .select({ actor: 1 })
        .sort({ seq: -1 })
        .lean();
      return entry?.actor?.id ?? null;
    },

    /** Records an event that changes nothing else (a login, a refusal) in a transaction of its own. */
    record(input: AuditRecordInput): Promise<AuditEntryDto> {
      return transaction((session) => append(session, input));
    },

    /**
     * Entries newest first, restricted to the viewer's division scope, how many the viewer may see
     * under the same filter (ignoring paging), and the cursor of the next, older page: the last
     * entry's sequence number, given only when an older entry exists (one more is read to know).
     */
    async list(viewer: AuthUser, query: ListAuditQuery): Promise<AuditListDto> {
      const conditions: Record<string, unknown>[] = [visibleTo(viewer.divisionCode)];
      if (query.action) conditions.push({ action: query.action });
      if (query.actorId) conditions.push({ "actor.id": query.actorId });
      if (query.targetId) conditions.push({ "target.id": query.targetId });
      const filter = { $and: conditions };
      const page = query.before ? { $and: [...conditions, { seq: { $lt: Number(query.before) } }] } : filter;
      const [read, total] = await Promise.all([
        Entries.find(page)
          .sort({ seq: -1 })
          .limit(query.limit + 1)
          .lean(),
        Entries.countDocuments(filter),
      ]);
      const rows = read.slice(0, query.limit);
      const last = rows.at(-1);
      const { names: references, sessionDivisions } = await pageReferences(rows, options.references ?? {});
      return {
        next: read.length > query.limit && last ? String(last.seq) : null,
        entries: rows.map((r) => {
          // The division an entry is shown under: its own, or the session's it is about.
          const shownDivision = r.divisionCode ?? sessionDivisions.get(r.seq) ?? null;
          return {
            ...toDto(r),
            divisionName: shownDivision ? (nameOf(shownDivision) ?? shownDivision) : null,
          };
        }),
        total,
        divisionNames: divisionNamesIn(rows, nameOf),
        references,
      };
    },

    /**
     * Recomputes the whole chain and names edited or deleted entries. Read in pages of sequence
     * numbers: the log only grows, and reading it whole held every entry in memory at once.
     */
    async verify(): Promise<AuditVerificationDto> {
      const head = await Head.findOne({ key: "audit" }).lean();
      const checker = chainChecker();
      await forEachInSeqOrder(Entries, (r) =>
        checker.feed({
          seq: r.seq,
          at: r.at,
          action: r.action,
          actor: { id: r.actor?.id ?? "", kind: r.actor?.kind ?? "", name: r.actor?.name ?? "" },
          divisionCode: r.divisionCode ?? null,
          target: (r.target ?? null) as { type: string; id: string } | null,
          details: r.details as unknown,
          prevHash: r.prevHash,
          hash: r.hash,
        }),
      );
      const verdict = checker.finish(head?.seq ?? 0);
      return { ok: verdict.problemCount === 0, ...verdict };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;

/**
 * The entries an admin may read. Entries without a division are the node's own (failed logins,
 * rooms and seat tokens, question imports): the node's province-level admins
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
    divisionName: e.divisionCode ?? null,
    target: (e.target ?? null) as AuditEntryDto["target"],
    details: (e.details ?? {}) as Record<string, unknown>,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** What services need of the audit log (the service itself satisfies it; tests may pass their own). */
export type AuditLog = Pick<AuditService, "transaction" | "append" | "record">;
