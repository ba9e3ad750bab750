import type { ClientSession } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type { IssuedBody } from "../contracts/exchange.js";
import { SOURCE_ENDED_LABELS, SourceEndedBody } from "../contracts/exchange.js";
import type { SignedCertificateRecord } from "../contracts/certificates.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { errors } from "../lib/errors.js";
import type { ExchangeTransport } from "./exchange-transport.js";
import { officerOf } from "./province-new-case.js";
import type { LocalCaseDoc, ProvinceExchangeModels } from "./province-exchange.models.js";

export interface TransferStepDeps {
  m: ProvinceExchangeModels;
  audit: AuditLog;
  transport: Pick<ExchangeTransport, "currentSourceRecord">;
  /** The next outbox number (province-exchange.service.ts). */
  nextSeq: () => Promise<number>;
  visibleCase: (actor: AuthUser, caseId: string, box?: "in" | "out") => Promise<LocalCaseDoc>;
  /** Wakes the sender after a change queued something. */
  kick?: () => void;
}

/**
 * A transfer's steps after the home's agreement, as the certificates feature takes them: at the
 * receiving province the agreed transfer it issues on and the record of that issuance; at the
 * former home, the word that its certificate had ended before the issuance notice came.
 */
export function createTransferSteps(deps: TransferStepDeps) {
  const { m, visibleCase } = deps;
  return {
    /** The actor's agreed transfer, not yet issued, with the home province's certificate (for issuance). */
    async acceptedTransfer(actor: AuthUser, caseId: string) {
      const c = await visibleCase(actor, caseId, "out");
      if (c.kind !== "transfer") throw errors.conflict("not_a_transfer", "该事项不是转籍");
      if (c.issued) throw errors.conflict("already_issued", "该转籍已换发本省证书");
      if (c.state === "ended") throw errors.conflict("case_ended", "该转籍已撤回，不能换发");
      if (c.state !== "acknowledged")
        throw errors.conflict("transfer_not_accepted", "原籍省份尚未同意该转籍");
      const ack = c.ack as { certificate?: SignedCertificateRecord | null; at?: string } | null;
      const source = ack?.certificate ?? null;
      const hubRecord = (c.sourceRecord ?? null) as QualificationRecord | null;
      return {
        caseId,
        idNumber: c.idNumber,
        name: c.name,
        homeProvince: c.toProvince ?? "",
        division: c.division,
        source,
        hubRecord,
        // The hub's time of the agreement: the inbox message that brought the answer is dated when
        // the hub took it (inbox-apply keeps it as `ack.at`). Issuance refuses a hub copy of the
        // home's status list made before it: it cannot show a revocation made since.
        agreedAt: ack?.at ?? null,
        // Read when issuing on `hubRecord`: the home may have changed it at the hub since it agreed.
        currentHubRecord: () => deps.transport.currentSourceRecord(caseId),
      };
    },

    /**
     * Inside the issuance's transaction: the case is marked issued (conditionally, so a second
     * issuance fails and rolls back) and the `issued` notice to the home province is queued.
     */
    async recordIssued(
      session: ClientSession,
      actor: AuthUser,
      caseId: string,
      issued: Omit<IssuedBody, "officer">,
    ): Promise<void> {
      const at = new Date();
      const seq = await deps.nextSeq();
      const res = await m.Cases.updateOne(
        { caseId, box: "out", kind: "transfer", state: "acknowledged", issued: null },
        {
          $set: { issued: { ...issued, at: at.toISOString() } },
          // Issued is the transfer's last step: the person may move on again (transferOpenKey).
          $unset: { openKey: 1 },
          $push: {
            history: {
              at,
              state: "acknowledged",
              by: actor.displayName,
              note: `已换发本省证书 ${issued.serial}`,
            },
          },
        },
        { session },
      );
      if (res.matchedCount !== 1) throw errors.conflict("already_issued", "该转籍已换发本省证书");
      const body: IssuedBody = { ...issued, officer: officerOf(actor) };
      await m.Outgoing.create(
        [
          {
            key: `issued:${caseId}`,
            seq,
            caseId,
            purpose: "issued",
            path: `/cases/${caseId}/issued`,
            body,
            availableAt: at,
          },
        ],
        { session },
      );
      await deps.audit.append(session, {
        action: "exchange.transfer.issued",
        actor,
        divisionCode: actor.divisionCode,
        target: { type: "exchange_case", id: caseId },
        details: { certificateNo: issued.certificateNo, serial: issued.serial },
      });
    },

    /**
     * Inside the transaction that applies a transfer's issuance notice, at the former home: this
     * province's certificate had been revoked or withdrawn before the notice came, so it was not
     * superseded, and the receiving province, which issued on it, is told on the case (its
     * `source-ended` message is queued; its officers decide). Answers what the case's history says
     * of the notice (the certificate was not cancelled) and the sender's wake-up for after the commit.
     */
    async recordSourceEnded(
      session: ClientSession,
      notice: { caseId: string; serial: string; toProvinceName: string },
      ended: SourceEndedBody,
    ): Promise<{ note: string; afterCommit: () => void }> {
      const { caseId } = notice;
      const word = SOURCE_ENDED_LABELS[ended.status];
      // The reason as this province's officer gave it; one the exchange's text rule refuses gives
      // way to the kind of end. Thrown here, it would stop this province's whole inbox.
      const parsed = SourceEndedBody.safeParse(ended);
      const body: SourceEndedBody = parsed.success ? parsed.data : { ...ended, reason: `原籍证书已${word}` };
      const at = new Date();
      const seq = await deps.nextSeq();
      await m.Cases.updateOne(
        { caseId, box: "in", kind: "transfer", sourceEnded: null },
        { $set: { sourceEnded: { ...body, at: at.toISOString() } } },
        { session },
      );
      await m.Outgoing.create(
        [
          {
            key: `source_ended:${caseId}`,
            seq,
            caseId,
            purpose: "source_ended",
            path: `/cases/${caseId}/source-ended`,
            body,
            availableAt: at,
          },
        ],
        { session },
      );
      return {
        note: `对方已换发新证 ${notice.serial}，但本省证书此前已${word}，未予注销；已告知${notice.toProvinceName}核查其新证`,
        afterCommit: () => deps.kick?.(),
      };
    },
  };
}
