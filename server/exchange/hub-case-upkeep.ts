import type { CaseState, ExchangeKind } from "../contracts/exchange.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { ClientSession } from "mongoose";
import type { HubCaseDoc, HubExchangeModels } from "./hub-exchange.models.js";
import type { createHubInbox } from "./hub-inbox.js";

/** States in which a filing is open (it holds its open key until the sender ends it). */
export const OPEN: HubCaseDoc["state"][] = ["sent", "delivered", "acknowledged", "problem"];

/**
 * States in which a filing files its sender with the person (they receive the person's changes):
 * open and not disputed. A filing the home answered with a problem keeps its open key until the
 * sender ends it, but no longer files the sender: it went on reading the changes of a person whose
 * home had refused the filing.
 */
export const FILING_LIVE: HubCaseDoc["state"][] = ["sent", "delivered", "acknowledged"];

/**
 * Whether `province` stays filed with the person once the case `caseId` no longer files it: it
 * holds another live filing of them, or it is a former home (the person transferred away from it
 * and it keeps their changes for good). Read in the caller's transaction, after orderPerson.
 */
export async function staysFiled(
  m: Pick<HubExchangeModels, "Cases">,
  c: { idNumber: string; caseId: string },
  province: string,
  session: ClientSession,
): Promise<boolean> {
  const others = await m.Cases.exists({
    kind: "filing",
    idNumber: c.idNumber,
    fromProvince: province,
    state: { $in: FILING_LIVE },
    caseId: { $ne: c.caseId },
  }).session(session);
  if (others) return true;
  const formerHome = await m.Cases.exists({
    kind: "transfer",
    idNumber: c.idNumber,
    toProvince: province,
    issued: { $ne: null },
  }).session(session);
  return formerHome !== null;
}

/**
 * While a filing or transfer is open it holds a key that a unique index allows once: one open
 * filing per practitioner per filing division, one open transfer per practitioner per sending
 * province. One per practitioner let any province hold the person's only slot with a transfer it
 * never meant to finish; two provinces' open transfers cannot both move the person, as the first
 * agreement moves the home and the second then finds it moved (home_moved). Ending a filing
 * removes it; so does a transfer's last step (issued by the receiver, or refused with a problem by
 * the home province), since a transfer cannot be ended and would otherwise bar every later transfer
 * of the person (moving on again, or asking again once the problem is cleared). A notice holds one
 * per penalty decision number until it is ended (withdrawn after a dispute).
 * The filing division is the sender's own current division (checked by assertOwnOffice before a
 * case is taken): a division made up or another province's opened another filing of the person.
 */
export function openKeyOf(
  kind: ExchangeKind,
  idNumber: string,
  sender: string,
  division: string,
  caseNumber?: string,
): { openKey?: string } {
  if (kind === "filing") return { openKey: `filing:${idNumber}:${sender}:${division}` };
  if (kind === "transfer") return { openKey: `transfer:${idNumber}:${sender}` };
  // One open notice per penalty decision (处罚决定书文号) per sending province: a notice sent twice
  // (its first answer lost) counted its points twice in the home's credit assessment.
  if (kind === "notice" && caseNumber !== undefined)
    return { openKey: `notice:${idNumber}:${sender}:${caseNumber.trim()}` };
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
     * Gives open filings, transfers and notices held before their openKey existed their key (once, at start), so
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
            { kind: "notice", state: { $in: OPEN } },
          ],
        },
        { caseId: 1, kind: 1, idNumber: 1, fromProvince: 1, senderDivision: 1, "body.details.caseNumber": 1 },
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
            {
              $set: openKeyOf(
                c.kind,
                c.idNumber,
                c.fromProvince,
                c.senderDivision,
                (c as { body?: { details?: { caseNumber?: string } } }).body?.details?.caseNumber,
              ),
            },
          );
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          skipped++;
        }
      }
      return skipped;
    },

    /**
     * Marks open cases past their deadline overdue, once, and tells both sides (escalation): cases
     * unanswered past their answer deadline, and agreed transfers not issued on past their issuance
     * deadline (set when agreed, hub-exchange.service.ts `answer`). Agreed, the hub names the
     * receiving province as home while the former home's certificate stays valid: left alone, such a
     * transfer stayed open for good with no reminder.
     */
    async sweepOverdue(at: Date = now()): Promise<number> {
      const waiting: Record<string, unknown> = {
        $or: [
          { state: { $in: ["sent", "delivered"] } },
          { kind: "transfer", state: "acknowledged", issued: null },
        ],
      };
      const dueFilter: Record<string, unknown> = { ...waiting, overdue: false, deadlineAt: { $lte: at } };
      const due = await m.Cases.find(dueFilter).limit(500).lean();
      let count = 0;
      for (const c of due) {
        await tx(async (session) => {
          const res = await m.Cases.updateOne(
            { ...dueFilter, caseId: c.caseId },
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
