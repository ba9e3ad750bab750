import type { CaseState, ExchangeKind } from "../contracts/exchange.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { HubCaseDoc, HubExchangeModels } from "./hub-exchange.models.js";
import type { createHubInbox } from "./hub-inbox.js";

/** States in which a filing is open (it holds its open key and files the person with the sender). */
export const OPEN: HubCaseDoc["state"][] = ["sent", "delivered", "acknowledged", "problem"];

/**
 * While a filing or transfer is open it holds a key that a unique index allows once: one open
 * filing per practitioner per filing division, one open transfer per practitioner. Ending a filing
 * removes it; so does a transfer's last step (issued by the receiver, or refused with a problem by
 * the home province), since a transfer cannot be ended and would otherwise bar every later transfer
 * of the person (moving on again, or asking again once the problem is cleared). Notices hold none.
 * The filing division is the sender's own current division (checked by assertOwnOffice before a
 * case is taken): a division made up or another province's opened another filing of the person.
 */
export function openKeyOf(
  kind: ExchangeKind,
  idNumber: string,
  sender: string,
  division: string,
): { openKey?: string } {
  if (kind === "filing") return { openKey: `filing:${idNumber}:${sender}:${division}` };
  if (kind === "transfer") return { openKey: `transfer:${idNumber}` };
  return {};
}

/**
 * The hub's upkeep of exchange cases, apart from taking and answering them: the open-key backfill
 * at start, the overdue sweep (escalation) and the ministry's case list.
 */
export function createHubCaseUpkeep(
  m: HubExchangeModels,
  deps: Pick<ReturnType<typeof createHubInbox>, "tx" | "hold"> & { now: () => Date },
) {
  const { tx, hold, now } = deps;
  return {
    /**
     * Gives open filings and transfers held before openKey existed their key (once, at start), so
     * the unique index refuses a second open case against them too, and takes it from transfers that
     * are over. A pair that already broke the
     * rule keeps its first case's key; the other is left as it is and logged by the caller.
     */
    async backfillOpenKeys(): Promise<number> {
      const rows = await m.Cases.find(
        {
          openKey: { $exists: false },
          $or: [
            { kind: "filing", state: { $in: OPEN } },
            { kind: "transfer", state: { $in: ["sent", "delivered", "acknowledged"] }, issued: null },
          ],
        },
        { caseId: 1, kind: 1, idNumber: 1, fromProvince: 1, senderDivision: 1 },
      )
        .sort({ sentAt: 1 })
        .lean();
      // Transfers that were over before their last step released the key (issued, or refused with
      // a problem) release it now, so they stop barring the person's later transfers.
      await m.Cases.updateMany(
        {
          kind: "transfer",
          openKey: { $exists: true },
          $or: [{ issued: { $ne: null } }, { state: "problem" }],
        },
        { $unset: { openKey: 1 } },
      );
      let skipped = 0;
      for (const c of rows) {
        try {
          await m.Cases.updateOne(
            { caseId: c.caseId, openKey: { $exists: false } },
            { $set: openKeyOf(c.kind, c.idNumber, c.fromProvince, c.senderDivision) },
          );
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          skipped++;
        }
      }
      return skipped;
    },

    /** Marks open cases past their deadline overdue, once, and tells both sides (escalation). */
    async sweepOverdue(at: Date = now()): Promise<number> {
      const due = await m.Cases.find({
        state: { $in: ["sent", "delivered"] },
        overdue: false,
        deadlineAt: { $lte: at },
      })
        .limit(500)
        .lean();
      let count = 0;
      for (const c of due) {
        await tx(async (session) => {
          const res = await m.Cases.updateOne(
            { caseId: c.caseId, overdue: false, state: { $in: ["sent", "delivered"] } },
            { $set: { overdue: true, escalatedAt: at } },
            { session },
          );
          if (res.matchedCount !== 1) return;
          const next = { ...c, overdue: true, escalatedAt: at };
          await hold(session, c.toProvince, "state", next, at);
          await hold(session, c.fromProvince, "state", next, at);
          count++;
        });
      }
      return count;
    },

    /**
     * The ministry's view (hub operator): every case, newest first. `before` (`<sentAt ISO>~<caseId>`
     * of the previous page's last row) pages back; the case id breaks ties between cases sent at
     * one instant, so a page boundary among them neither repeats nor skips one.
     */
    async list(query: {
      province?: string;
      state?: CaseState;
      overdue?: boolean;
      limit: number;
      before?: { sentAt: Date; caseId: string };
    }) {
      const filter: Record<string, unknown> = {};
      const and: Record<string, unknown>[] = [];
      if (query.province)
        and.push({ $or: [{ fromProvince: query.province }, { toProvince: query.province }] });
      if (query.before) {
        const { sentAt, caseId } = query.before;
        and.push({ $or: [{ sentAt: { $lt: sentAt } }, { sentAt, caseId: { $lt: caseId } }] });
      }
      if (and.length) filter.$and = and;
      if (query.state) filter.state = query.state;
      if (query.overdue !== undefined) filter.overdue = query.overdue;
      const rows = await m.Cases.find(filter, { _id: 0, body: 0, bodyHash: 0 })
        .sort({ sentAt: -1, caseId: -1 })
        .limit(query.limit)
        .lean();
      return rows.map((c) => ({
        caseId: c.caseId,
        kind: c.kind,
        state: c.state,
        fromProvince: c.fromProvince,
        toProvince: c.toProvince,
        senderDivision: c.senderDivision,
        responsibleDivision: c.responsibleDivision,
        idNumber: c.idNumber,
        sentAt: c.sentAt.toISOString(),
        deliveredAt: c.deliveredAt?.toISOString() ?? null,
        answeredAt: c.answeredAt?.toISOString() ?? null,
        deadlineAt: c.deadlineAt.toISOString(),
        overdue: c.overdue,
        endedAt: c.endedAt?.toISOString() ?? null,
      }));
    },
  };
}
