import type { Connection } from "mongoose";
import { canSeeDivision, decide, divisionFilter } from "../access/index.js";
import type { AuthUser } from "../contracts/auth.js";
import { noticeReasonOf, type LookupNoticesPage, type LookupReason } from "../contracts/hub.js";
import type { CaseDto, CaseListDto, CaseState, ExchangeKind } from "../contracts/exchange.js";
import type { CaseDetailDto } from "../contracts/exchange-resend.js";
import { errors } from "../lib/errors.js";
import { databaseTime, newestPage } from "../lib/mongo.js";
import { undeliveredEntries } from "./outgoing-settle.js";
import { toCaseDto } from "./province-case-dto.js";
import { provinceExchangeModels, type LocalCaseDoc } from "./province-exchange.models.js";

/** Overdue cases the escalation list shows at once (the province works them from the oldest). */
const ESCALATIONS_SHOWN = 200;
/**
 * How long a message may wait unsent before the escalation page counts it as stuck: well past the
 * sender's first retries (1 s doubling), short of the hour an outage took to make one dead.
 */
const UNDELIVERED_AFTER_MS = 30 * 60_000;
/** Cases with undelivered messages the escalation page lists at once. */
const UNDELIVERED_SHOWN = 200;
/** Cases and lookups of one practitioner the page lists at most (far beyond any real practitioner). */
const PRACTITIONER_ROWS = 200;

/**
 * What a province's officers read of its exchange cases, each scoped to the officer's division
 * (four levels): one case, the in/out boxes, the province level's escalation list and a
 * practitioner's cases with the lookups made of them. The service's changes find their case here too.
 *
 * Overdue is decided by the database's clock (`databaseNow`), as the outbox and the exchange
 * sender decide due times: an instance whose clock runs ahead would list cases as overdue that
 * another instance does not, and one behind would keep late cases off the escalation list.
 */
/**
 * A kept notice's lookup reason: a transfer's, pulled as `filing` with `transfer`, or pulled as
 * `transfer` from a hub that sent it so (before NoticeReason), reads `transfer`.
 */
function lookupReasonOf(l: { reason: string; transfer?: boolean | null }): LookupReason {
  return l.transfer === true ? "transfer" : (l.reason as LookupReason);
}

export function createCaseReads(conn: Connection, clock: { databaseNow?: () => Promise<Date> } = {}) {
  const m = provinceExchangeModels(conn);
  const databaseNow = clock.databaseNow ?? (() => databaseTime(conn));

  /** A case the actor may see (its side's office lies within the actor's division), else 404. */
  async function visibleCase(actor: AuthUser, caseId: string, box?: "in" | "out"): Promise<LocalCaseDoc> {
    const c = await m.Cases.findOne({ caseId }).lean();
    if (!c || (box && c.box !== box) || !canSeeDivision(actor.divisionCode, c.division))
      throw errors.notFound("交换事项", "case_not_found");
    return c;
  }

  /**
   * A case as its page reads it: its overdue flag by the database's clock, and the messages the
   * sender gave up on (the page offers to send them again, province-resend.ts).
   */
  async function present(c: LocalCaseDoc): Promise<CaseDetailDto> {
    const [now, undelivered] = await Promise.all([databaseNow(), undeliveredEntries(m, c)]);
    return {
      ...toCaseDto(c, now),
      undelivered: undelivered.map((e) => ({
        purpose: e.purpose,
        attempts: e.attempts ?? 0,
        lastError: e.lastError ?? null,
      })),
    };
  }

  /**
   * Cases of the whole node with a message that has not reached the hub: given up on (dead, the hub
   * never refused it) or waiting longer than UNDELIVERED_AFTER_MS (an outage, a hold, or queued
   * behind a given-up message), oldest first. Shown inside one case only, an issuance report that
   * never arrived left two valid certificates until someone opened that case.
   */
  async function undeliveredCases(now: Date): Promise<{ cases: CaseDto[]; total: number }> {
    const stuck = await m.Outgoing.aggregate<{ _id: string; since: Date }>([
      {
        $match: {
          $or: [
            { status: "dead", refusedByHub: { $ne: true } },
            {
              status: { $in: ["pending", "sending"] },
              createdAt: { $lte: new Date(now.getTime() - UNDELIVERED_AFTER_MS) },
            },
          ],
        },
      },
      { $group: { _id: "$caseId", since: { $min: "$createdAt" } } },
      { $sort: { since: 1 } },
    ]);
    const ids = stuck.map((s) => s._id);
    // The cases read are the ones counted: a second count of the same filter was a second read.
    const rows = await m.Cases.find({ caseId: { $in: ids }, state: { $ne: "refused" } }).lean();
    const order = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => (order.get(a.caseId) ?? 0) - (order.get(b.caseId) ?? 0));
    return { cases: rows.slice(0, UNDELIVERED_SHOWN).map((c) => toCaseDto(c, now)), total: rows.length };
  }

  return {
    visibleCase,
    present,

    /**
     * Lookups other provinces made of this province's practitioners, as pulled from the hub, newest
     * first, before the cursor (a `seq`). The hub's own feed runs oldest first: a page of it read
     * from the start showed the first hundred for good.
     */
    async lookupNotices(before: number | undefined, limit: number): Promise<LookupNoticesPage> {
      const rows = await m.LookupNotices.find(before ? { seq: { $lt: before } } : {})
        .sort({ seq: -1, idNumber: 1 })
        .limit(limit + 1)
        .lean();
      const page = rows.slice(0, limit);
      // One lookup may have found several of this province's people (one row each): a page ends
      // after the whole lookup, so the cursor (its seq) skips none of them.
      const last = page.at(-1);
      if (last && rows.length > limit && rows[limit]?.seq === last.seq)
        page.push(
          ...(await m.LookupNotices.find({ seq: last.seq, idNumber: { $gt: last.idNumber } })
            .sort({ idNumber: 1 })
            .lean()),
        );
      const hasMore =
        rows.length > limit && (await m.LookupNotices.exists({ seq: { $lt: page.at(-1)!.seq } })) !== null;
      return {
        lookups: page.map((l) => ({
          seq: l.seq,
          lookupId: l.lookupId,
          at: l.at.toISOString(),
          requestingProvince: l.requestingProvince,
          officerId: l.officerId,
          officerName: l.officerName ?? null,
          ...noticeReasonOf(lookupReasonOf(l)),
          caseReference: l.caseReference,
          idNumber: l.idNumber,
        })),
        nextCursor: page.at(-1)?.seq ?? before ?? 0,
        hasMore,
      };
    },

    async get(actor: AuthUser, caseId: string): Promise<CaseDetailDto> {
      return present(await visibleCase(actor, caseId));
    },

    async list(
      actor: AuthUser,
      q: {
        box: "in" | "out";
        kind?: ExchangeKind;
        state?: CaseState;
        overdue?: "true" | "false";
        limit: number;
        before?: string;
      },
    ): Promise<CaseListDto> {
      const filter: Record<string, unknown> = {
        box: q.box,
        ...divisionFilter(actor.divisionCode, "division"),
      };
      if (q.kind) filter.kind = q.kind;
      if (q.state) filter.state = q.state;
      const now = await databaseNow();
      // Overdue: escalated by the hub, or still open past its deadline by the database's clock
      // (as the escalation list decides it); `false` lists exactly the rest.
      const overdue = [
        { overdue: true },
        { state: { $in: ["sent", "delivered"] }, deadlineAt: { $lt: now } },
      ];
      if (q.overdue === "true") filter.$or = overdue;
      else if (q.overdue === "false") filter.$nor = overdue;
      const order = { time: "createdAt", tie: "_id" };
      const found = await newestPage(m.Cases, filter, order, q.before, q.limit);
      return { cases: found.rows.map((c) => toCaseDto(c, now)), total: found.total, next: found.next };
    },

    /**
     * Received cases past their deadline and unanswered, and agreed transfers past their issuance
     * deadline, the longest overdue first: the province
     * level's escalation list, at most ESCALATIONS_SHOWN of them with how many there are in all;
     * and the node's cases with messages stuck on the way to the hub (undeliveredCases).
     * Who may read it is the `exchange:escalations` policy's (its levels), asked again here for
     * callers that reach the service without the route.
     */
    async escalations(actor: AuthUser): Promise<{
      cases: CaseDto[];
      total: number;
      undelivered: { cases: CaseDto[]; total: number };
    }> {
      decide(actor, "exchange:escalations");
      const now = await databaseNow();
      const late = { $or: [{ overdue: true }, { deadlineAt: { $lt: now } }] };
      const overdue: Record<string, unknown> = {
        $or: [
          { box: "in", state: { $in: ["sent", "delivered"] }, ...late },
          // Agreed transfers not issued on past their issuance deadline, at either end: the
          // receiving province is to issue, the former home's certificate is valid meanwhile.
          { kind: "transfer", state: "acknowledged", issued: null, ...late },
        ],
      };
      const [rows, total, undelivered] = await Promise.all([
        m.Cases.find(overdue).sort({ deadlineAt: 1 }).limit(ESCALATIONS_SHOWN).lean(),
        m.Cases.countDocuments(overdue),
        undeliveredCases(now),
      ]);
      return { cases: rows.map((c) => toCaseDto(c, now)), total, undelivered };
    },

    /**
     * Cases and lookup notices of one practitioner that the actor may see (for the practitioner
     * page): the newest PRACTITIONER_ROWS of each with how many there are in all, and the credit
     * figures over every counted notice, not only the ones shown.
     */
    async ofPractitioner(actor: AuthUser, idNumber: string) {
      const mine = { idNumber, ...divisionFilter(actor.divisionCode, "division") };
      // Penalties reported home count towards the credit assessment once received. A problem answer
      // disputes the notice: it does not count unless the sender reports it again, corrected, as a
      // new notice, after withdrawing this one (ended), which never counts either.
      const counted = { ...mine, kind: "notice", box: "in", state: { $nin: ["problem", "ended"] } };
      const [rows, casesTotal, lookups, lookupsTotal, credit] = await Promise.all([
        m.Cases.find(mine).sort({ createdAt: -1 }).limit(PRACTITIONER_ROWS).lean(),
        m.Cases.countDocuments(mine),
        m.LookupNotices.find({ idNumber }).sort({ at: -1 }).limit(PRACTITIONER_ROWS).lean(),
        m.LookupNotices.countDocuments({ idNumber }),
        m.Cases.aggregate<{ notices: number; points: number; fineYuan: number }>([
          { $match: counted },
          {
            $group: {
              _id: null,
              notices: { $sum: 1 },
              points: { $sum: { $ifNull: ["$details.points", 0] } },
              fineYuan: { $sum: { $ifNull: ["$details.fineYuan", 0] } },
            },
          },
        ]),
      ]);
      const now = await databaseNow();
      const figures = credit[0];
      return {
        credit: {
          notices: figures?.notices ?? 0,
          points: figures?.points ?? 0,
          fineYuan: figures?.fineYuan ?? 0,
        },
        casesTotal,
        lookupsTotal,
        cases: rows.map((c) => toCaseDto(c, now)),
        lookups: lookups.map((l) => ({
          lookupId: l.lookupId,
          at: l.at.toISOString(),
          requestingProvince: l.requestingProvince,
          officerId: l.officerId,
          officerName: l.officerName ?? null,
          // The page is this node's own: it names the lookup's true reason (转籍 too).
          reason: lookupReasonOf(l),
          caseReference: l.caseReference,
        })),
      };
    },
  };
}
