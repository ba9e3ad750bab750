import type { Connection } from "mongoose";
import {
  AckBody,
  CaseBody,
  IssuedBody,
  SourceEndedBody,
  type CaseReceipt,
  type CaseSourceRecord,
  type ExchangeKind,
} from "../contracts/exchange.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { errors } from "../lib/errors.js";
import { DEFAULT_TRANSFER_ISSUE_HOURS } from "../config-exchange.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { HubExchangePort } from "../hub/index.js";
import { hubExchangeModels, type HubCaseDoc } from "./hub-exchange.models.js";
import { createHubCaseCheck } from "./hub-case-check.js";
import { caseReceipt, createHubInbox } from "./hub-inbox.js";
import { createHubCaseOrder, createNodeTx, hashOf } from "./hub-case-order.js";
import { createHubCaseUpkeep, openKeyOf, staysFiled } from "./hub-case-upkeep.js";
import { createHubCaseEnd } from "./hub-case-end.js";
import { createHubCaseDispute } from "./hub-case-dispute.js";
import { assertOwnOffice } from "./office-division.js";
import { checkCaseDates } from "./exchange-dates.js";

/** Hours a home province has to answer each kind of case (server/config.ts `exchange.ackHours`). */
export type AckHours = Readonly<Record<ExchangeKind, number>>;

/**
 * The hub's exchange service (its upkeep — open-key backfill, overdue sweep, ministry list — is
 * hub-case-upkeep.ts, and the sender's ending hub-case-end.ts, both composed here): accepts cases
 * from the sending province (checked against the pointer index and the catalog lookup they cite:
 * hub-case-check.ts), holds a message for the home province until it confirms it stored it, takes
 * the home province's answer and the sender's ending, and escalates cases whose deadline passed.
 * Every change to a case and the messages it causes are one transaction, so a message is never
 * held for a change that did not happen, or the reverse.
 */
export function createHubExchangeService(
  conn: Connection,
  deps: {
    hub: HubExchangePort;
    ackHours: AckHours;
    /** Hours to issue on an agreed transfer (config `exchange.transferIssueHours`); tests may leave it out. */
    issueHours?: number;
    now?: () => Date;
  },
) {
  const m = hubExchangeModels(conn);
  const now = deps.now ?? (() => new Date());
  const { tx, hold, page, releaseWaits } = createHubInbox(conn, m, now);
  const check = createHubCaseCheck(deps.hub);
  const { orderPerson, sameStepOr } = createHubCaseOrder(m);
  // Every write a province's message causes checks its node again before it commits (hub-case-order.ts).
  const nodeTx = createNodeTx(conn, tx);

  async function caseFor(caseId: string): Promise<HubCaseDoc> {
    const c = await m.Cases.findOne({ caseId }).lean();
    if (!c) throw errors.notFound("交换事项", "case_not_found");
    return c;
  }

  return {
    /**
     * A new filing, transfer or notice from `sender`; a re-send of the same case is answered again,
     * unchanged. The re-send is recognised when the new case cannot be taken (a refusal, or the
     * case id already held), so a new case costs no read for it.
     */
    async submit(raw: unknown, sender: string, keyId?: string): Promise<CaseReceipt> {
      const body = CaseBody.parse(raw);
      const bodyHash = hashOf(body);
      try {
        // Inside the try: a re-send of a case already held is still answered below.
        assertOwnOffice(body.officer.divisionCode, sender, "officer.divisionCode");
        const at = now();
        checkCaseDates(body, at);
        const checked = await check(body, sender, at);
        const docFor = ({ home, responsible }: typeof checked): HubCaseDoc => ({
          caseId: body.caseId,
          kind: body.kind,
          fromProvince: sender,
          toProvince: home,
          senderDivision: body.officer.divisionCode,
          responsibleDivision: responsible,
          idNumber: body.practitioner.idNumber,
          lookupId: body.lookupId ?? null,
          body,
          bodyHash,
          state: "sent",
          sentAt: at,
          deliveredAt: null,
          deadlineAt: new Date(at.getTime() + deps.ackHours[body.kind] * 3_600_000),
          answeredAt: null,
          ack: null,
          endedAt: null,
          end: null,
          overdue: false,
          escalatedAt: null,
          issuedAt: null,
          issued: null,
          sourceEndedAt: null,
          sourceEnded: null,
          disputeWithdrawnAt: null,
          disputeWithdrawn: null,
          ...openKeyOf(
            body.kind,
            body.practitioner.idNumber,
            sender,
            body.officer.divisionCode,
            body.kind === "notice" ? body.details.caseNumber : undefined,
          ),
        });
        const doc = await nodeTx(sender, keyId, at, async (session) => {
          // The home `check` read before the transaction: an agreed transfer committing meanwhile
          // moved it, and the case went to the former home. Ordered after every move, the case is
          // checked again when the last one took the person elsewhere, as if it came after it.
          const movedTo = await orderPerson(body.practitioner.idNumber, session);
          const taken = docFor(
            movedTo === null || movedTo === checked.home ? checked : await check(body, sender, at),
          );
          // A lookup that backed a transfer the home refused backs no other: re-posted after each
          // refusal, one lookup kept a transfer of the person open for good. Read after orderPerson,
          // so an answer committing meanwhile is seen.
          if (
            body.kind === "transfer" &&
            body.lookupId !== undefined &&
            (await m.Cases.exists({
              idNumber: taken.idNumber,
              kind: "transfer",
              lookupId: body.lookupId,
              "ack.outcome": "problem",
            }).session(session))
          )
            throw errors.conflict(
              "lookup_used",
              "该查询凭证所依据的转籍已被原籍省份答复存在问题，不能再次使用；请重新查询后再申请",
            );
          if (body.kind === "filing") await deps.hub.fileWith(taken.idNumber, sender, session);
          // The unique caseId and openKey indexes refuse a duplicate case and a second open filing
          // or transfer (the insert fails and the transaction with it).
          await m.Cases.insertMany([taken], { session, lean: true });
          await hold(session, taken.toProvince, "case", taken, at);
          return taken;
        });
        return caseReceipt(doc);
      } catch (err) {
        const existing = await m.Cases.findOne({ caseId: body.caseId }, { body: 0 }).lean();
        if (existing) {
          if (existing.fromProvince !== sender || existing.bodyHash !== bodyHash)
            throw errors.conflict("case_conflict", "同一编号的交换事项内容不同");
          return caseReceipt(existing);
        }
        if (isDuplicateKey(err) && body.kind === "filing")
          throw errors.conflict("already_filed", "该从业人员已在本辖区备案，请先终止原备案");
        if (isDuplicateKey(err) && body.kind === "transfer")
          throw errors.conflict("transfer_open", "该从业人员已有办理中的转籍");
        if (isDuplicateKey(err) && body.kind === "notice") {
          const key = openKeyOf("notice", body.practitioner.idNumber, sender, "", body.details.caseNumber);
          const open = await m.Cases.findOne(key, { caseId: 1 }).lean();
          // The node's words (province-exchange.service.ts noticeDuplicate), naming the open case.
          throw errors.conflict(
            "notice_duplicate",
            `该处罚决定书文号已就该从业人员抄告（交换事项 ${open?.caseId ?? ""}），未办结前不能重复抄告；如需更正，请先撤回原抄告`,
          );
        }
        throw err;
      }
    },

    /** The home province's answer. Only the province the case was sent to may give it. */
    async answer(caseId: string, raw: unknown, province: string, keyId?: string): Promise<CaseReceipt> {
      const ack = AckBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.toProvince !== province)
        throw errors.forbidden("只有该从业人员的主管省份可以确认", "not_case_recipient");
      if (ack.certificate && c.kind !== "transfer")
        throw errors.unprocessable("certificate_not_expected", "只有同意转籍时才附证书");
      const stored = {
        outcome: ack.outcome,
        problem: ack.problem ?? null,
        officer: ack.officer,
        certificate: ack.certificate ?? null,
      };
      if (c.ack) {
        if (hashOf(c.ack) === hashOf(stored)) return caseReceipt(c);
        throw errors.conflict("already_answered", "该事项已经答复");
      }
      assertOwnOffice(ack.officer.divisionCode, province, "officer.divisionCode");
      if (c.state === "ended") throw errors.conflict("case_ended", "该事项已终止");
      const at = now();
      // A transfer agreed without a signed certificate (the home holds none: a legacy register
      // entry): the hub's record of the home's certificate goes to the receiver instead, as the
      // source of truth it issues from. Only a valid record; else none, and issuance refuses.
      let sourceRecord: QualificationRecord | null = null;
      if (c.kind === "transfer" && ack.outcome === "acknowledged" && !ack.certificate) {
        const r = await deps.hub.certificateRecord(c.idNumber, c.toProvince);
        if (r?.state === "valid" && r.certificate?.status === "valid") sourceRecord = r;
        // Nothing to issue from: agreeing would move the person to a province that can never
        // issue, with the case open for good.
        if (!sourceRecord)
          throw errors.conflict(
            "no_valid_certificate",
            "本省没有该人员的有效证书（全国中心亦无有效记录），不能同意转籍；请答复存在问题",
          );
      }
      const next: HubCaseDoc = {
        ...c,
        state: ack.outcome,
        ack: stored,
        answeredAt: at,
        deliveredAt: c.deliveredAt ?? at,
        sourceRecord,
      };
      const moves = c.kind === "transfer" && ack.outcome === "acknowledged";
      // Agreed, the transfer waits on the receiving province's issuance: its deadline from now on,
      // escalated as an unanswered case's is (sweepOverdue). Overdue in answering is over.
      const issueBy = moves
        ? {
            deadlineAt: new Date(
              at.getTime() + (deps.issueHours ?? DEFAULT_TRANSFER_ISSUE_HOURS) * 3_600_000,
            ),
            overdue: false,
            escalatedAt: null,
          }
        : {};
      Object.assign(next, issueBy);
      // A filing the home disputes no longer files its sender (see FILING_LIVE).
      const unfiles = c.kind === "filing" && ack.outcome === "problem";
      return nodeTx(province, keyId, at, async (session) => {
        // Ordered first; where the person went is recorded only once the move is made (below), so a
        // same-step receipt from `sameStepOr` records no move it did not make. An unfiling is
        // ordered with the sender's other filings' endings and new filings, as an ending is.
        if (moves || unfiles) await orderPerson(c.idNumber, session);
        const res = await m.Cases.updateOne(
          { caseId, ack: null, state: { $in: ["sent", "delivered"] } },
          {
            $set: {
              state: next.state,
              ack: stored,
              answeredAt: at,
              deliveredAt: next.deliveredAt,
              sourceRecord,
              ...issueBy,
            },
            // A refused transfer is over (see openKeyOf): the receiver may ask again.
            ...(c.kind === "transfer" && ack.outcome === "problem" ? { $unset: { openKey: 1 } } : {}),
          },
          { session },
        );
        if (res.matchedCount !== 1)
          return sameStepOr(
            caseId,
            session,
            (latest) => latest.ack != null && hashOf(latest.ack) === hashOf(stored),
            (latest) =>
              !latest?.ack && latest?.state === "ended"
                ? errors.conflict("case_ended", "该事项已终止")
                : errors.conflict("already_answered", "该事项已经答复"),
          );
        // An agreed transfer moves the pointer to the receiving province, once: from now on only its
        // records decide what lookups answer (the old home's cancellation still reaches the hub).
        // No move (the pointer no longer names the answering province as home): recorded agreed
        // anyway, the receiver would issue while lookups still answered from another home. Thrown,
        // the whole answer rolls back.
        if (moves && !(await deps.hub.moveHome(c.idNumber, c.toProvince, c.fromProvince, c.caseId, session)))
          throw errors.conflict("home_moved", "该从业人员的主管省份已不是本省，不能同意转籍；请答复存在问题");
        if (moves) await orderPerson(c.idNumber, session, c.fromProvince);
        if (unfiles && !(await staysFiled(m, c, c.fromProvince, session)))
          await deps.hub.unfile(c.idNumber, c.fromProvince, session);
        await hold(session, c.fromProvince, "state", next, at);
        return caseReceipt(next);
      });
    },

    /**
     * The receiving province issued its own certificate on an agreed transfer; the former home is
     * told (and supersedes its certificate). Once per case; an identical re-send is answered again.
     */
    async issued(caseId: string, raw: unknown, province: string, keyId?: string): Promise<CaseReceipt> {
      const issued = IssuedBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.fromProvince !== province)
        throw errors.forbidden("只有申请转籍的省份可以报告换发", "not_case_sender");
      if (c.kind !== "transfer") throw errors.conflict("not_a_transfer", "该事项不是转籍");
      if (c.issued) {
        if (hashOf(c.issued) === hashOf(issued)) return caseReceipt(c);
        throw errors.conflict("already_issued", "该转籍已报告换发");
      }
      assertOwnOffice(issued.issuingAuthority.divisionCode, province, "issuingAuthority.divisionCode");
      assertOwnOffice(issued.officer.divisionCode, province, "officer.divisionCode");
      if (c.state !== "acknowledged")
        throw errors.conflict("transfer_not_accepted", "原籍省份尚未同意该转籍");
      if (issued.certificateNo !== c.idNumber)
        throw errors.unprocessable("identity_mismatch", "换发证书的号码与转籍人员不符");
      const at = now();
      const next: HubCaseDoc = { ...c, issued, issuedAt: at };
      return nodeTx(province, keyId, at, async (session) => {
        const res = await m.Cases.updateOne(
          { caseId, issued: null, state: "acknowledged" },
          { $set: { issued, issuedAt: at }, $unset: { openKey: 1 } },
          { session },
        );
        if (res.matchedCount !== 1)
          return sameStepOr(
            caseId,
            session,
            (latest) => latest.issued != null && hashOf(latest.issued) === hashOf(issued),
            (latest) =>
              !latest?.issued && latest?.state !== "acknowledged"
                ? errors.conflict("transfer_not_accepted", "原籍省份尚未同意该转籍")
                : errors.conflict("already_issued", "该转籍已报告换发"),
          );
        await hold(session, c.toProvince, "state", next, at);
        return caseReceipt(next);
      });
    },

    /**
     * The former home of a transfer issued on says its certificate had been revoked or withdrawn
     * before the issuance notice reached it; the receiving province is told (a state message with
     * `sourceEnded`), and its officers decide. Only the home, only after the issuance, once; an
     * identical re-send is answered again.
     */
    async sourceEnded(caseId: string, raw: unknown, province: string, keyId?: string): Promise<CaseReceipt> {
      const ended = SourceEndedBody.parse(raw);
      const c = await caseFor(caseId);
      if (c.toProvince !== province)
        throw errors.forbidden("只有转籍人员的原籍省份可以告知其证书已吊销或撤销", "not_case_recipient");
      if (c.kind !== "transfer") throw errors.conflict("not_a_transfer", "该事项不是转籍");
      if (c.sourceEnded) {
        if (hashOf(c.sourceEnded) === hashOf(ended)) return caseReceipt(c);
        throw errors.conflict("source_ended_reported", "该转籍的原籍证书吊销或撤销已告知");
      }
      // Before the issuance there is nothing to tell: the receiving province does not issue on a
      // certificate the home's current status list shows revoked.
      if (!c.issued) throw errors.conflict("transfer_not_issued", "对方尚未凭该转籍换发新证，无须告知");
      if (ended.certificateNo !== c.idNumber)
        throw errors.unprocessable("identity_mismatch", "告知的证书号码与转籍人员不符");
      const at = now();
      const next: HubCaseDoc = { ...c, sourceEnded: ended, sourceEndedAt: at };
      return nodeTx(province, keyId, at, async (session) => {
        const res = await m.Cases.updateOne(
          { caseId, sourceEnded: null },
          { $set: { sourceEnded: ended, sourceEndedAt: at } },
          { session },
        );
        if (res.matchedCount !== 1)
          return sameStepOr(
            caseId,
            session,
            (latest) => latest.sourceEnded != null && hashOf(latest.sourceEnded) === hashOf(ended),
            () => errors.conflict("source_ended_reported", "该转籍的原籍证书吊销或撤销已告知"),
          );
        await hold(session, c.fromProvince, "state", next, at);
        return caseReceipt(next);
      });
    },

    // The sending province's ending (filings, transfers, disputed notices): hub-case-end.ts.
    ...createHubCaseEnd(m, { hub: deps.hub, now, caseFor, nodeTx, orderPerson, hold }),

    // The home province's taking back of its dispute of a notice: hub-case-dispute.ts.
    ...createHubCaseDispute(m, { now, caseFor, nodeTx, sameStepOr, hold }),

    /**
     * Messages for `province` after its cursor. Asking with `after` confirms everything up to it:
     * those messages are delivered, and a case whose message was delivered becomes `delivered`
     * (and its sender is told). The confirmation is one transaction.
     */
    inbox: page,

    /** Answers every waiting inbox request now (the hub is stopping). */
    releaseWaits,

    /**
     * The hub's current record of the home's certificate on an agreed transfer, for the receiving
     * province about to issue from the copy that came with the agreement: the home may have revoked
     * or corrected it since (a collection message), which the copy cannot tell. Only the province
     * that asked for the transfer reads it, and only while the transfer stands agreed.
     */
    async sourceRecord(caseId: string, province: string): Promise<CaseSourceRecord> {
      const c = await caseFor(caseId);
      if (c.fromProvince !== province)
        throw errors.forbidden("只有申请转籍的省份可以查询原籍证书记录", "not_case_sender");
      if (c.kind !== "transfer") throw errors.conflict("not_a_transfer", "该事项不是转籍");
      if (c.state === "ended") throw errors.conflict("case_ended", "该事项已终止");
      if (c.state !== "acknowledged")
        throw errors.conflict("transfer_not_accepted", "原籍省份尚未同意该转籍");
      return { caseId, sourceRecord: await deps.hub.certificateRecord(c.idNumber, c.toProvince) };
    },

    ...createHubCaseUpkeep(m, { tx, hold, now }),
  };
}
export type HubExchangeService = ReturnType<typeof createHubExchangeService>;
