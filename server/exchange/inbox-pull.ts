import type { ClientSession } from "mongoose";
import type { InboxPage, IssuedBody } from "../contracts/exchange.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { AppError } from "../lib/errors.js";
import { applyMessage } from "./inbox-apply.js";
import type { ProvinceExchangeModels } from "./province-exchange.models.js";

/** What other features do when a pulled message changes a case (the node wires them; tests may leave them out). */
export interface InboxHooks {
  /**
   * The receiving province issued its certificate on a transfer this province agreed to. Called
   * inside the transaction that records the message as received and marks the case issued, only
   * when that message is new and the case was not issued yet: its change commits with them exactly
   * once (a re-read page, a later message about the case or a second pulling instance finds the
   * message received and the case issued, and does not call it). It must still be idempotent, since
   * a transaction retried on a write conflict runs it again. `afterCommit` (if returned) runs once
   * the transaction committed; `note` (if returned) is what the case's history says of the notice,
   * when this province's certificate was not cancelled by it (it had been revoked or withdrawn).
   */
  onTransferIssued?: (
    session: ClientSession,
    notice: {
      caseId: string;
      idNumber: string;
      toProvince: string;
      issued: IssuedBody;
      /** The hub's record of this province's certificate that went with the agreement (legacy holder), if any. */
      sourceRecord: QualificationRecord | null;
    },
  ) => Promise<{ afterCommit?: () => void; note?: string } | void>;
  /**
   * The home province told this one, on a transfer case it issued on, that the source certificate
   * had been revoked or withdrawn before: called inside the pull's transaction, once per case (the
   * case keeps the first such word), so its audit entry commits with the case's change.
   */
  onSourceEnded?: (
    session: ClientSession,
    notice: {
      caseId: string;
      idNumber: string;
      division: string;
      homeProvince: string;
      status: string;
      reason: string;
    },
  ) => Promise<void>;
}

/**
 * Applies one pulled inbox page in one transaction with its message ids and the cursor past it, so
 * a message re-read after a crash (or by a second pulling instance) is recognised and applied once.
 * Answers how many messages were new and what to run once the transaction committed.
 */
export async function applyInboxPage(
  m: ProvinceExchangeModels,
  hooks: InboxHooks,
  transaction: <T>(work: (session: ClientSession) => Promise<T>) => Promise<T>,
  page: InboxPage,
  own: string,
): Promise<{ applied: number; committed: (() => void)[] }> {
  const committed: (() => void)[] = [];
  let applied = 0;
  await transaction(async (session) => {
    // A transaction retried on a write conflict starts over.
    committed.length = 0;
    applied = 0;
    for (const msg of page.messages) {
      const seen = await m.Received.exists({ messageId: msg.messageId }).session(session);
      if (seen) continue;
      await m.Received.create([{ messageId: msg.messageId, seq: msg.seq, at: new Date() }], {
        session,
      });
      const c = await m.Cases.findOne({ caseId: msg.caseId }).session(session).lean();
      const change = applyMessage(c, msg, own);
      if (change?.insert) await m.Cases.create([change.insert], { session });
      else if (change?.update) await m.Cases.updateOne({ caseId: msg.caseId }, change.update, { session });
      if (change?.sourceEndedNow && c && msg.sourceEnded && hooks.onSourceEnded)
        await hooks.onSourceEnded(session, {
          caseId: msg.caseId,
          idNumber: c.idNumber,
          division: c.division,
          homeProvince: msg.toProvince,
          status: msg.sourceEnded.status,
          reason: msg.sourceEnded.reason,
        });
      // The issuance notice takes effect here, with the message that brought it, once.
      if (
        change?.issuedNow &&
        c &&
        msg.issued &&
        c.box === "in" &&
        msg.kind === "transfer" &&
        hooks.onTransferIssued
      ) {
        const done = await hooks.onTransferIssued(session, {
          caseId: msg.caseId,
          idNumber: c.idNumber,
          toProvince: msg.fromProvince,
          issued: msg.issued,
          sourceRecord: msg.sourceRecord ?? (c.sourceRecord as QualificationRecord | null) ?? null,
        });
        if (done?.afterCommit) committed.push(done.afterCommit);
        // What became of this province's certificate, in the history entry the notice added: found
        // by the message's id, not by position, since other writes of this transaction may have
        // moved it. Found nowhere, the note would be lost: the pull refuses and rolls back.
        if (done?.note) {
          const res = await m.Cases.updateOne(
            { caseId: msg.caseId, "history.messageId": msg.messageId },
            { $set: { "history.$[notice].note": done.note } },
            { session, arrayFilters: [{ "notice.messageId": msg.messageId }] },
          );
          if (res.matchedCount !== 1) {
            const where = { caseId: msg.caseId, messageId: msg.messageId };
            throw new AppError("exchange_notice_entry_missing", 500, "换发通知未在案件记录中留下条目", where);
          }
        }
      }
      applied++;
    }
    await m.Counters.updateOne(
      { _id: "cursor:inbox" },
      { $max: { value: page.nextCursor } },
      { upsert: true, session },
    );
  });
  return { applied, committed };
}
