import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import { OUTGOING_PURPOSE_LABELS, type CaseDetailDto } from "../contracts/exchange-resend.js";
import { errors } from "../lib/errors.js";
import { undeliveredEntries } from "./outgoing-settle.js";
import type { LocalCaseDoc, ProvinceExchangeModels } from "./province-exchange.models.js";

const nothingToResend = () =>
  errors.conflict("nothing_to_resend", "该事项没有未送达全国中心的消息，无需重新发送");

export interface ResendDeps {
  m: ProvinceExchangeModels;
  audit: AuditLog;
  visibleCase: (actor: AuthUser, caseId: string) => Promise<LocalCaseDoc>;
  present: (c: LocalCaseDoc) => Promise<CaseDetailDto>;
  /** Wakes the sender: the messages are due at once. */
  kick?: () => void;
}

/**
 * 重新发送: an officer of the case's division puts the messages the sender gave up on (dead after
 * its maximum attempts, never taken by the hub) back in the queue. Without it an ending or answer
 * that died stayed done here and unknown at the hub, for good.
 *
 * Order: the sender takes an entry only once every earlier entry of its case is done
 * (exchange-transport.ts `claim`), so a dead entry holds the case's later ones back. Each entry
 * keeps its `seq`, and all of the case's undelivered entries go back together, so they are sent
 * in the order they were queued, and the later ones that waited behind them follow.
 */
export function createResend(deps: ResendDeps) {
  const { m, visibleCase, present } = deps;

  return {
    async resend(actor: AuthUser, caseId: string): Promise<CaseDetailDto> {
      // Who may: the case's division and those above it, as for every other action on a case.
      await visibleCase(actor, caseId);
      const at = new Date();
      await deps.audit.transaction(async (session) => {
        // Read again in the transaction, and changed only while still dead: of two presses (two
        // tabs, two instances) one writes and the other, retried after the write conflict, finds
        // nothing; an entry another press sent and the hub took meanwhile is not touched.
        const now = await m.Cases.findOne({ caseId }, { caseId: 1, state: 1, division: 1 })
          .session(session)
          .lean();
        const dead = now ? await undeliveredEntries(m, now, session) : [];
        if (!now || dead.length === 0) throw nothingToResend();
        const done = await m.Outgoing.updateMany(
          { _id: { $in: dead.map((e) => e._id) }, status: "dead" },
          // Due at once by the database's clock (DUE in exchange-transport.ts), its count restarted.
          [
            {
              $set: {
                status: { $literal: "pending" },
                attempts: 0,
                availableAt: "$$NOW",
                leaseUntil: null,
              },
            },
          ],
          { session, updatePipeline: true },
        );
        if (done.modifiedCount === 0) throw nothingToResend();
        const what = [...new Set(dead.map((e) => OUTGOING_PURPOSE_LABELS[e.purpose]))].join("、");
        await m.Cases.updateOne(
          { caseId },
          {
            $push: {
              history: {
                at,
                state: now.state,
                by: actor.displayName,
                note: `已重新发送未能送达全国中心的${what}`,
              },
            },
          },
          { session },
        );
        await deps.audit.append(session, {
          action: "exchange.resend",
          actor,
          divisionCode: now.division,
          target: { type: "exchange_case", id: caseId },
          details: { messages: what },
        });
      });
      deps.kick?.();
      return present(await visibleCase(actor, caseId));
    },
  };
}
