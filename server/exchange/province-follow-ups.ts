import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import {
  OPEN_CASE_STATES,
  type AckBody,
  type CaseDto,
  type CaseState,
  type DisputeWithdrawalBody,
  type EndBody,
} from "../contracts/exchange.js";
import type { SignedCertificateRecord } from "../contracts/certificates.js";
import { errors, type AppError } from "../lib/errors.js";
import { checkEndDate, filingStart } from "./exchange-dates.js";
import { disputeRefusals } from "./hub-case-dispute.js";
import { officerOf } from "./province-new-case.js";
import type { LocalCaseDoc, ProvinceExchangeModels } from "./province-exchange.models.js";
import { agreementOn, type TransferSource } from "./transfer-source.js";

/** The states in which a sent case is still open (the sender may end it). */
export const OPEN = OPEN_CASE_STATES;

/** Why a received case can no longer be answered (null: it can). ANSWERABLE is the same rule as a filter. */
function notAnswerable(c: LocalCaseDoc): AppError | null {
  if (c.ack || !["sent", "delivered"].includes(c.state))
    return errors.conflict("already_answered", "该事项已经答复或已终止");
  return null;
}
const ANSWERABLE = { box: "in", ack: null, state: { $in: ["sent", "delivered"] } };

/**
 * Why a sent case cannot be ended or withdrawn (null: it can). A filing ends in any open state, a
 * disputed one too (the sender's way out once the home said it is wrong). A transfer not yet issued
 * on may be withdrawn (the home may never answer, or agree and then revoke, and issuance would then
 * fail for good). A notice is withdrawn (撤回抄告) only once the home disputed it: it stayed 有异议
 * for good otherwise, and its sender reports the corrected penalty as a new notice; one unanswered
 * or acknowledged stands as reported. The hub applies the same rule (hub-exchange.service.ts `end`).
 * ENDABLE is the same rule as a filter: an issuance and a withdrawal of one transfer, one of them wins.
 */
function notEndable(c: LocalCaseDoc): AppError | null {
  if (c.kind === "notice" && c.state !== "problem")
    return c.state === "ended"
      ? errors.conflict("case_ended", "该事项已终止或未被受理")
      : errors.conflict("not_endable", NOTICE_NOT_WITHDRAWN);
  if (c.kind === "transfer" && c.issued)
    return errors.conflict("already_issued", "该转籍已换发本省证书，不能终止");
  if (!OPEN.includes(c.state as CaseState)) return errors.conflict("case_ended", "该事项已终止或未被受理");
  return null;
}
const ENDABLE = {
  box: "out",
  issued: null,
  $or: [
    { kind: { $ne: "notice" }, state: { $in: OPEN } },
    { kind: "notice", state: "problem" },
  ],
};
/** The hub's words for the same refusal, so the officer reads one answer whoever gives it. */
const NOTICE_NOT_WITHDRAWN = "抄告只有在对方提出异议后才能撤回";

/**
 * Why the home province's dispute of a received case cannot be taken back (null: it can): only a
 * notice, only while it stands disputed by this province's answer. The hub's rule and words
 * (hub-case-dispute.ts). WITHDRAWABLE is the same rule as a filter.
 */
function notWithdrawable(c: LocalCaseDoc): AppError | null {
  if (c.kind !== "notice") return disputeRefusals.notANotice();
  if (c.state === "ended") return disputeRefusals.ended();
  if (c.state !== "problem" || (c.ack as { outcome?: string } | null)?.outcome !== "problem")
    return disputeRefusals.notDisputed();
  return null;
}
const WITHDRAWABLE = { box: "in", kind: "notice", state: "problem", "ack.outcome": "problem" };

export interface FollowUpDeps {
  m: ProvinceExchangeModels;
  audit: AuditLog;
  /** The next outbox number (province-exchange.service.ts). */
  nextSeq: () => Promise<number>;
  visibleCase: (actor: AuthUser, caseId: string, box?: "in" | "out") => Promise<LocalCaseDoc>;
  present: (c: LocalCaseDoc) => Promise<CaseDto>;
  /** Wakes the sender after a change queued something. */
  kick?: () => void;
  /** See ProvinceExchangeDeps.sourceCertificate. */
  sourceCertificate?: (actor: AuthUser, idNumber: string) => Promise<TransferSource>;
}

/**
 * An officer's follow-ups on a case: the home province's answer to a received case, and the
 * sending province's ending of a filing or withdrawal of a transfer or of a disputed notice. Each queues one message to
 * the hub with its local change and audit entry, in one transaction.
 */
export function createFollowUps(deps: FollowUpDeps) {
  const { m, visibleCase, present } = deps;

  /**
   * Queues a follow-up message (answer or ending) with its local change and audit entry. The change
   * is made only while `refusal` still finds nothing against it, checked by the update's filter
   * (`allowed`, the same rule as a query) rather than against the state read before: a state
   * message pulled meanwhile (sent → delivered, the home's answer) must not turn an officer's
   * ending into a refusal, and of two presses of one button (a double click, a second tab, a
   * second instance) exactly one changes the case, queues one message and writes one audit entry.
   */
  async function followUp(
    actor: AuthUser,
    c: LocalCaseDoc,
    purpose: "answer" | "end" | "dispute_withdrawal",
    change: {
      body: AckBody | EndBody | DisputeWithdrawalBody;
      set: Record<string, unknown>;
      state: "acknowledged" | "problem" | "ended" | "delivered";
      note: string | null;
      allowed: Record<string, unknown>;
      refusal: (c: LocalCaseDoc) => AppError | null;
    },
  ) {
    const { body, set, state, note } = change;
    const at = new Date();
    const seq = await deps.nextSeq();
    // A case has one answer and one ending; a notice's dispute may be raised and taken back again.
    const key = purpose === "dispute_withdrawal" ? `${purpose}:${c.caseId}:${seq}` : `${purpose}:${c.caseId}`;
    await deps.audit.transaction(async (session) => {
      // The case as the change found it: an ending or a dispute's taking back the hub refuses gives
      // it back (outgoing-settle.ts).
      const was = await m.Cases.findOneAndUpdate(
        { caseId: c.caseId, ...change.allowed },
        {
          $set: { ...set, state },
          $push: { history: { at, state, by: actor.displayName, note } },
          // An ended filing no longer holds the person in this division.
          ...(state === "ended" ? { $unset: { openKey: 1 } } : {}),
        },
        { session, returnDocument: "before", projection: { state: 1, openKey: 1, ack: 1 } },
      ).lean();
      if (!was) {
        // The other press won: this one is told what a later press would be, so the officer
        // learns the case was answered or ended, not that someone else did something.
        const now = await m.Cases.findOne({ caseId: c.caseId }).session(session).lean();
        throw (now && change.refusal(now)) ?? errors.conflict("case_busy", "该事项已被他人处理，请刷新");
      }
      if (purpose === "dispute_withdrawal")
        // The disputing answer's key is free for the answer the home now gives instead.
        await m.Outgoing.updateOne(
          { key: `answer:${c.caseId}` },
          { $set: { key: `answer:${c.caseId}:withdrawn:${seq}` } },
          { session },
        );
      await m.Outgoing.create(
        [
          {
            key,
            seq,
            caseId: c.caseId,
            purpose,
            path: `/cases/${c.caseId}/${purpose === "dispute_withdrawal" ? "dispute-withdrawal" : purpose}`,
            body,
            availableAt: at,
            ...(purpose === "end" ? { prior: { state: was.state, openKey: was.openKey ?? null } } : {}),
            ...(purpose === "dispute_withdrawal"
              ? { prior: { state: was.state, ack: was.ack as unknown } }
              : {}),
          },
        ],
        { session },
      );
      await deps.audit.append(session, {
        action:
          purpose === "dispute_withdrawal"
            ? "exchange.notice.dispute_withdrawn"
            : `exchange.${c.kind}.${purpose === "answer" ? (state as "acknowledged" | "problem") : "ended"}`,
        actor,
        divisionCode: c.division,
        target: { type: "exchange_case", id: c.caseId },
        details: { note },
      });
    });
    deps.kick?.();
    return present(await visibleCase(actor, c.caseId));
  }

  return {
    /**
     * The home province takes back its dispute of a received notice (撤回异议): the notice is
     * delivered and unanswered again, here at once and at the hub and the sender once the message
     * is through (hub-case-dispute.ts applies the same rule), and the officer answers it again.
     */
    async withdrawDispute(actor: AuthUser, caseId: string, input: { reason: string }) {
      const c = await visibleCase(actor, caseId, "in");
      const refused = notWithdrawable(c);
      if (refused) throw refused;
      return followUp(actor, c, "dispute_withdrawal", {
        body: { reason: input.reason, officer: officerOf(actor) },
        set: { ack: null },
        state: "delivered",
        note: `撤回异议：${input.reason}`,
        allowed: WITHDRAWABLE,
        refusal: notWithdrawable,
      });
    },

    /** The home province's answer to a received case, by an officer of the responsible office or above. */
    async answer(
      actor: AuthUser,
      caseId: string,
      input: { outcome: "acknowledged" | "problem"; problem?: NonNullable<AckBody["problem"]> },
    ) {
      const c = await visibleCase(actor, caseId, "in");
      const refused = notAnswerable(c);
      if (refused) throw refused;
      // Agreeing to a transfer sends our signed certificate along: the receiving province issues
      // from it, and its `issued` notice then supersedes ours (DOMAIN.md: the original issuer
      // cancels and archives once notified), so the holder is never without a valid certificate.
      let note = input.problem?.note ?? null;
      let certificate: SignedCertificateRecord | null = null;
      if (c.kind === "transfer" && input.outcome === "acknowledged" && deps.sourceCertificate) {
        // Refused here, before anything is written, when we hold a certificate we cannot send.
        ({ certificate, note } = agreementOn(await deps.sourceCertificate(actor, c.idNumber)));
      }
      const body: AckBody = {
        outcome: input.outcome,
        ...(input.problem ? { problem: input.problem } : {}),
        officer: officerOf(actor),
        ...(certificate ? { certificate } : {}),
      };
      const ack = {
        outcome: input.outcome,
        problem: input.problem ?? null,
        officer: officerOf(actor),
        at: new Date().toISOString(),
      };
      // Agreed, the transfer waits on the receiving province's issuance, by a deadline the hub sets
      // (hub-exchange.service.ts `answer`) and tells with its escalation: overdue answering is over.
      const agreed = c.kind === "transfer" && input.outcome === "acknowledged";
      return followUp(actor, c, "answer", {
        body,
        set: { ack, ...(agreed ? { overdue: false, escalatedAt: null, deadlineAt: null } : {}) },
        state: input.outcome,
        note,
        allowed: ANSWERABLE,
        refusal: notAnswerable,
      });
    },

    /**
     * The sending province ends one of its filings, withdraws a transfer not yet issued on, or
     * withdraws a notice the home province disputed (see notEndable).
     */
    async end(actor: AuthUser, caseId: string, input: { endDate: string; reason: string }) {
      const c = await visibleCase(actor, caseId, "out");
      const refused = notEndable(c);
      if (refused) throw refused;
      checkEndDate(input.endDate, filingStart(c.kind, c.details), new Date());
      const body: EndBody = { ...input, officer: officerOf(actor) };
      return followUp(actor, c, "end", {
        body,
        // A refusal of an earlier ending (outgoing-settle.ts) is answered by this one.
        set: { end: input, refusal: null },
        state: "ended",
        note: input.reason,
        allowed: ENDABLE,
        refusal: notEndable,
      });
    },
  };
}
