import { DisputeWithdrawalBody, type CaseReceipt } from "../contracts/exchange.js";
import { errors } from "../lib/errors.js";
import type { HubCaseDoc, HubExchangeModels } from "./hub-exchange.models.js";
import { caseReceipt, type createHubInbox } from "./hub-inbox.js";
import { hashOf, type createHubCaseOrder, type createNodeTx } from "./hub-case-order.js";
import { assertOwnOffice } from "./office-division.js";

/** The refusals of a dispute's taking back, in the words the province node gives them too. */
export const disputeRefusals = {
  notANotice: () => errors.conflict("not_a_notice", "只有违法抄告的异议可以撤回"),
  notDisputed: () => errors.conflict("not_disputed", "该抄告当前没有本省提出的异议，无须撤回"),
  ended: () => errors.conflict("case_ended", "该事项已终止"),
};

/**
 * The home province takes back its dispute of a notice (撤回异议), apart from
 * hub-exchange.service.ts (which composes it). A dispute raised in error otherwise stood until the
 * sender withdrew the notice, and the penalty, correctly reported, reached the home only as a new
 * notice. Taken back, the notice is as it was before the dispute: `delivered`, unanswered (the
 * home answers it again, within the case's deadline as any unanswered case), and the sender is
 * told in the same transaction. Only a notice: a disputed transfer is over (its open key released,
 * the receiver may ask again) and a disputed filing is the sender's to end.
 */
export function createHubCaseDispute(
  m: Pick<HubExchangeModels, "Cases">,
  deps: {
    now: () => Date;
    caseFor: (caseId: string) => Promise<HubCaseDoc>;
    nodeTx: ReturnType<typeof createNodeTx>;
    sameStepOr: ReturnType<typeof createHubCaseOrder>["sameStepOr"];
    hold: ReturnType<typeof createHubInbox>["hold"];
  },
) {
  const { now, caseFor, nodeTx, sameStepOr, hold } = deps;

  /** This very taking back, already made (a re-send after a lost receipt): answered again. */
  const alreadyTaken = (
    c: Pick<HubCaseDoc, "state" | "ack" | "disputeWithdrawn">,
    body: DisputeWithdrawalBody,
  ) => {
    const last = c.disputeWithdrawn as DisputeWithdrawalBody | null;
    return (
      c.state === "delivered" &&
      !c.ack &&
      !!last &&
      hashOf({ reason: last.reason, officer: last.officer }) === hashOf(body)
    );
  };

  return {
    async withdrawDispute(
      caseId: string,
      raw: unknown,
      province: string,
      keyId?: string,
    ): Promise<CaseReceipt> {
      const body = DisputeWithdrawalBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.toProvince !== province)
        throw errors.forbidden("只有提出异议的主管省份可以撤回异议", "not_case_recipient");
      if (c.kind !== "notice") throw disputeRefusals.notANotice();
      assertOwnOffice(body.officer.divisionCode, province, "officer.divisionCode");
      if (alreadyTaken(c, body)) return caseReceipt(c);
      if (c.state === "ended") throw disputeRefusals.ended();
      if (c.state !== "problem") throw disputeRefusals.notDisputed();
      const at = now();
      const withdrawn = {
        ...body,
        problem: (c.ack as { problem?: unknown } | null)?.problem ?? null,
        at: at.toISOString(),
      };
      const change = {
        state: "delivered",
        ack: null,
        answeredAt: null,
        disputeWithdrawn: withdrawn,
        disputeWithdrawnAt: at,
      } satisfies Partial<HubCaseDoc>;
      const next: HubCaseDoc = { ...c, ...change };
      return nodeTx(province, keyId, at, async (session) => {
        // Only from the dispute: the sender's withdrawal of the notice committing meanwhile wins.
        const res = await m.Cases.updateOne(
          { caseId, state: "problem", "ack.outcome": "problem" },
          { $set: change },
          { session },
        );
        if (res.matchedCount !== 1)
          return sameStepOr(
            caseId,
            session,
            (latest) => alreadyTaken(latest, body),
            (latest) => (latest?.state === "ended" ? disputeRefusals.ended() : disputeRefusals.notDisputed()),
          );
        await hold(session, c.fromProvince, "state", next, at);
        return caseReceipt(next);
      });
    },
  };
}
