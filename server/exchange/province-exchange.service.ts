import { randomUUID } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type {
  AckBody,
  CaseBody,
  CaseDto,
  CaseState,
  EndBody,
  ExchangeKind,
  FilingDetails,
  IssuedBody,
  NoticeDetails,
  TransferDetails,
} from "../contracts/exchange.js";
import { SOURCE_ENDED_LABELS, SourceEndedBody } from "../contracts/exchange.js";
import type { SignedCertificateRecord } from "../contracts/certificates.js";
import type { QualificationRecord } from "../contracts/hub.js";
import { errors } from "../lib/errors.js";
import type { ExchangeTransport } from "./exchange-transport.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { provinceExchangeModels, transferOpenKey, type LocalCaseDoc } from "./province-exchange.models.js";
import { newOutgoingCaseDocs } from "./province-new-case.js";
import { createCaseReads } from "./province-case-reads.js";
import { createProvinceDocuments } from "./province-documents.js";
import { agreementOn, type TransferSource } from "./transfer-source.js";

const OPEN: readonly CaseState[] = ["queued", "sent", "delivered", "acknowledged", "problem"];
const alreadyFiled = () => errors.conflict("already_filed", "该从业人员已在本辖区备案，请先终止原备案");
// The hub's code and words for the same refusal, so the officer sees one answer whoever gives it.
const transferOpen = () => errors.conflict("transfer_open", "该从业人员已有办理中的转籍");
type Details = { filing: FilingDetails; transfer: TransferDetails; notice: NoticeDetails };

export interface ProvinceExchangeDeps {
  provinceCode: string;
  audit: AuditLog;
  transport: ExchangeTransport;
  /** Wakes the sender after a change queued something. */
  kick?: () => void;
  /**
   * What this node holds of the person for its agreement to a transfer (转籍), from the
   * certificates feature; see TransferSource. Our certificate stays valid until the receiving
   * province's `issued` notice supersedes it.
   */
  sourceCertificate?: (actor: AuthUser, idNumber: string) => Promise<TransferSource>;
  /** Hours an uploaded notice document no notice names is kept (EXCHANGE_UPLOAD_TTL_HOURS). */
  uploadTtlHours?: number;
}

/**
 * The province's exchange service, used by officers at all four levels: new filings / transfers / notices (cited lookup checked here and at
 * the hub), answers to received cases, endings, the in/out boxes scoped to the officer's division
 * and the escalation list of the province level.
 */
export function createProvinceExchangeService(conn: Connection, deps: ProvinceExchangeDeps) {
  const m = provinceExchangeModels(conn);
  const { visibleCase, present, ...reads } = createCaseReads(conn);
  // Notices' documents: uploads here, received ones fetched from the hub through the transport.
  const docs = createProvinceDocuments(conn, {
    fetch: (caseId, sha256) => deps.transport.fetchDocument(caseId, sha256),
    audit: deps.audit,
  });
  const officerOf = (a: AuthUser) => ({ id: a.id, name: a.displayName, divisionCode: a.divisionCode });

  async function nextSeq(): Promise<number> {
    const c = await m.Counters.findOneAndUpdate(
      { _id: "outgoing" },
      { $inc: { value: 1 } },
      { upsert: true, returnDocument: "after" },
    ).lean();
    if (!c) throw new Error("outgoing counter missing");
    return c.value;
  }

  /**
   * The cited lookup is checked by the hub, which logged it (this node's, for the case's reason,
   * and it found this person); here only that a filing or transfer cites one at all.
   */
  function checkLookup(kind: ExchangeKind, lookupId: string | undefined): void {
    if (!lookupId && kind !== "notice")
      throw errors.unprocessable("lookup_required", "须先以“备案”事由查询该从业人员");
  }

  async function send<K extends ExchangeKind>(
    actor: AuthUser,
    kind: K,
    input: { lookupId?: string; practitioner: { idNumber: string; name: string }; details: Details[K] },
  ): Promise<CaseDto> {
    checkLookup(kind, input.lookupId);
    const officer = officerOf(actor);
    if (kind === "filing") {
      const open = await m.Cases.exists({
        box: "out",
        kind: "filing",
        idNumber: input.practitioner.idNumber,
        division: officer.divisionCode,
        state: { $in: OPEN },
      });
      // Answers at once in the common case; the unique open key below decides a race.
      if (open) throw alreadyFiled();
    }
    if (kind === "transfer" && (await m.Cases.exists({ openKey: transferOpenKey(input.practitioner.idNumber) })))
      throw transferOpen();
    // A notice's documents must be here as it names them: their content follows it to the hub.
    const documents = kind === "notice" ? (input.details as NoticeDetails).documents : [];
    if (documents.length > 0) {
      await docs.checkUploaded(documents);
    }
    const caseId = randomUUID();
    const body = {
      caseId,
      kind,
      lookupId: input.lookupId,
      practitioner: input.practitioner,
      officer,
      details: input.details,
    } as CaseBody;
    const seq = await nextSeq();
    const numbered: { sha256: string; seq: number }[] = [];
    for (const d of documents) numbered.push({ sha256: d.sha256, seq: await nextSeq() });
    const { caseDoc, entries } = newOutgoingCaseDocs({
      provinceCode: deps.provinceCode,
      body,
      at: new Date(),
      seq,
      documents: numbered,
    });
    await deps.audit
      .transaction(async (session) => {
        // Named in the same transaction, so the upload sweep cannot remove one under the notice.
        await docs.claim(session, documents);
        await m.Cases.create([caseDoc], { session });
        await m.Outgoing.create(entries, { session, ordered: true });
        await deps.audit.append(session, {
          action: `exchange.${kind}.sent`,
          actor,
          divisionCode: officer.divisionCode,
          target: { type: "exchange_case", id: caseId },
          details: { idNumber: input.practitioner.idNumber, lookupId: input.lookupId ?? null },
        });
      })
      .catch((err: unknown) => {
        if (!isDuplicateKey(err, "openKey")) throw err;
        throw kind === "transfer" ? transferOpen() : alreadyFiled();
      });
    // One attempt at once, so a refusal the hub can already give reaches the officer as an answer.
    const entry = await deps.transport.takeLease(`submit:${caseId}`);
    if (entry) {
      const result = await deps.transport.attempt(entry);
      if (result.kind === "refused") {
        // Refused outright: nothing of it stays on this side either (the audit log keeps the refusal).
        await deps.audit.transaction(async (session) => {
          await m.Cases.deleteOne({ caseId }, { session });
          await m.Outgoing.deleteMany({ caseId }, { session });
          await docs.release(session, documents);
          await deps.audit.append(session, {
            action: `exchange.${kind}.refused`,
            actor,
            divisionCode: officer.divisionCode,
            target: { type: "exchange_case", id: caseId },
            details: { code: result.error.code },
          });
        });
        throw result.error;
      }
      await conn.transaction((session) => deps.transport.settle(session, entry, result, new Date()));
      if (result.kind === "retry" || documents.length > 0) deps.kick?.();
    }
    return present(await visibleCase(actor, caseId));
  }

  /** Queues a follow-up message (answer or ending) with its local change and audit entry. */
  async function followUp(
    actor: AuthUser,
    c: LocalCaseDoc,
    purpose: "answer" | "end",
    body: AckBody | EndBody,
    set: Record<string, unknown>,
    state: "acknowledged" | "problem" | "ended",
    note: string | null,
  ) {
    const at = new Date();
    const seq = await nextSeq();
    await deps.audit.transaction(async (session) => {
      const res = await m.Cases.updateOne(
        // Not issued meanwhile: an issuance and a withdrawal of one transfer, one of them wins.
        { caseId: c.caseId, state: c.state, ack: c.ack ?? null, ...(c.kind === "transfer" ? { issued: null } : {}) },
        {
          $set: { ...set, state },
          $push: { history: { at, state, by: actor.displayName, note } },
          // An ended filing no longer holds the person in this division.
          ...(state === "ended" ? { $unset: { openKey: 1 } } : {}),
        },
        { session },
      );
      if (res.matchedCount !== 1) throw errors.conflict("case_busy", "该事项已被他人处理，请刷新");
      await m.Outgoing.create(
        [
          {
            key: `${purpose}:${c.caseId}`,
            seq,
            caseId: c.caseId,
            purpose,
            path: `/cases/${c.caseId}/${purpose}`,
            body,
            availableAt: at,
          },
        ],
        { session },
      );
      await deps.audit.append(session, {
        action: `exchange.${c.kind}.${purpose === "answer" ? state : "ended"}`,
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
    file: (
      actor: AuthUser,
      input: { lookupId: string; practitioner: { idNumber: string; name: string }; details: FilingDetails },
    ) => send(actor, "filing", input),
    transfer: (
      actor: AuthUser,
      input: { lookupId: string; practitioner: { idNumber: string; name: string }; details: TransferDetails },
    ) => send(actor, "transfer", input),
    notify: (
      actor: AuthUser,
      input: { lookupId?: string; practitioner: { idNumber: string; name: string }; details: NoticeDetails },
    ) => send(actor, "notice", input),

    /** The home province's answer to a received case, by an officer of the responsible office or above. */
    async answer(
      actor: AuthUser,
      caseId: string,
      input: { outcome: "acknowledged" | "problem"; problem?: NonNullable<AckBody["problem"]> },
    ) {
      const c = await visibleCase(actor, caseId, "in");
      if (c.ack || !["sent", "delivered"].includes(c.state))
        throw errors.conflict("already_answered", "该事项已经答复或已终止");
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
      return followUp(actor, c, "answer", body, { ack }, input.outcome, note);
    },

    /** The sending province ends one of its filings, or withdraws a transfer not yet issued on. */
    async end(actor: AuthUser, caseId: string, input: { endDate: string; reason: string }) {
      const c = await visibleCase(actor, caseId, "out");
      // A transfer not yet issued on may be withdrawn (the home may never answer, or agree and
      // then revoke, and issuance would then fail for good); a notice is only ever answered.
      if (c.kind === "notice") throw errors.conflict("not_endable", "抄告不能终止");
      if (c.kind === "transfer" && c.issued)
        throw errors.conflict("already_issued", "该转籍已换发本省证书，不能终止");
      if (!OPEN.includes(c.state as CaseState)) throw errors.conflict("case_ended", "该事项已终止或未被受理");
      const body: EndBody = { ...input, officer: officerOf(actor) };
      return followUp(actor, c, "end", body, { end: input }, "ended", input.reason);
    },

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
      const seq = await nextSeq();
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
      const seq = await nextSeq();
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

    /** Wakes the sender (after a change queued a message in someone else's transaction). */
    kick: () => deps.kick?.(),

    /** An officer's upload of a document for a notice they are about to send. */
    async uploadDocument(actor: AuthUser, input: { name: string; dataBase64: string }) {
      return docs.upload(actor, input);
    },

    /**
     * Removes notice documents uploaded more than `uploadTtlHours` ago that no case names (an
     * officer who uploaded and never sent); safe on several instances at once.
     */
    sweepUploads: (at?: Date) => docs.sweepUploads(deps.uploadTtlHours ?? 24, at),

    /** A document of a case the actor may see, at either end (the receiving end fetches it from the hub once). */
    async document(actor: AuthUser, caseId: string, sha256: string) {
      const c = await visibleCase(actor, caseId);
      return docs.read(c, sha256);
    },

    ...reads,

    /**
     * Lookups made of this province's people, newest first. The first page pulls what the hub has
     * logged since the last pull (so a lookup made a moment ago shows); when the hub cannot be
     * reached the node's copy is shown as it is.
     */
    async lookupNotices(before: number | undefined, limit: number) {
      if (before === undefined) await deps.transport.pullLookupNotices().catch(() => undefined);
      return reads.lookupNotices(before, limit);
    },
  };
}
export type ProvinceExchangeService = ReturnType<typeof createProvinceExchangeService>;
