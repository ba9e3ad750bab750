import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type {
  CaseBody,
  CaseDto,
  ExchangeKind,
  FilingDetails,
  NoticeDetails,
  TransferDetails,
} from "../contracts/exchange.js";
import { errors } from "../lib/errors.js";
import type { ExchangeTransport } from "./exchange-transport.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { noticeOpenKey, provinceExchangeModels, transferOpenKey } from "./province-exchange.models.js";
import { newOutgoingCaseDocs, officerOf } from "./province-new-case.js";
import { createCaseReads } from "./province-case-reads.js";
import { createProvinceDocuments } from "./province-documents.js";
import { createFollowUps, OPEN } from "./province-follow-ups.js";
import { createResend } from "./province-resend.js";
import { createTransferSteps } from "./province-transfer-steps.js";
import { checkCaseDates } from "./exchange-dates.js";
import type { TransferSource } from "./transfer-source.js";

const alreadyFiled = () => errors.conflict("already_filed", "该从业人员已在本辖区备案，请先终止原备案");
// The hub's code and words for the same refusal, so the officer sees one answer whoever gives it.
const transferOpen = () => errors.conflict("transfer_open", "该从业人员已有办理中的转籍");
/**
 * One penalty is reported once: a second open notice of the same decision number (处罚决定书文号)
 * counted its points twice at home. The hub's code and words, naming the case already open.
 */
const noticeDuplicate = (caseId: string) =>
  errors.conflict(
    "notice_duplicate",
    `该处罚决定书文号已就该从业人员抄告（交换事项 ${caseId}），未办结前不能重复抄告；如需更正，请先撤回原抄告`,
  );
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
  /**
   * Which account of this node made lookup `lookupId` (the audit log's `actorOfLookup`): null when
   * the node has no answered lookup of that id on record (one made before outcomes were recorded,
   * or made past the node), which is refused lookup_unknown; absent, the check is not made.
   */
  lookupMaker?: (lookupId: string) => Promise<string | null>;
}

/**
 * The province's exchange service, used by officers at all four levels: new filings / transfers / notices (cited lookup checked here and at
 * the hub), answers to received cases, endings (province-follow-ups.ts), a transfer's issuance
 * steps (province-transfer-steps.ts), the in/out boxes scoped to the officer's division and the
 * escalation list of the province level.
 */
export function createProvinceExchangeService(conn: Connection, deps: ProvinceExchangeDeps) {
  const m = provinceExchangeModels(conn);
  const { visibleCase, present, ...reads } = createCaseReads(conn);
  // Notices' documents: uploads here, received ones fetched from the hub through the transport.
  const docs = createProvinceDocuments(conn, {
    fetch: (caseId, sha256) => deps.transport.fetchDocument(caseId, sha256),
    audit: deps.audit,
  });

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
   * and it found this person); here that a filing or transfer cites one at all, and that no other
   * account of this node made it. The hub knows the province that asked, not its officers: a
   * colleague's lookup cited showed the home province one officer looking and another filing (Prüm,
   * EUCARIS: each query is the official's own, logged with their purpose). Such a citation is
   * audited as the case's refusal. So is a lookup the node has no record of (`lookup_unknown`):
   * whose it is cannot be told here, and the hub, which takes a lookup for 30 days
   * (hub-case-check.ts), knows the province, not its accounts. Passed on, a colleague's lookup from
   * before outcomes were recorded went through for up to 30 days after the upgrade; refused, the
   * officer looks again (the answer is shown only once recorded: lookup.service.ts).
   */
  async function checkLookup(
    actor: AuthUser,
    kind: ExchangeKind,
    lookupId: string | undefined,
    idNumber: string,
  ): Promise<void> {
    if (!lookupId && kind !== "notice")
      throw errors.unprocessable(
        "lookup_required",
        kind === "transfer" ? "须先以“转籍”事由查询该从业人员" : "须先以“备案”事由查询该从业人员",
      );
    if (!lookupId || !deps.lookupMaker) return;
    const maker = await deps.lookupMaker(lookupId);
    if (maker === actor.id) return;
    const code = maker === null ? "lookup_unknown" : "lookup_not_own";
    // Its own action: `exchange.<kind>.refused` reads 被拒收 (by the hub), and this node refused it.
    await deps.audit.record({
      action: `exchange.${kind}.refused_by_node`,
      actor,
      divisionCode: actor.divisionCode,
      target: { type: "practitioner", id: idNumber },
      details: { code, lookupId, lookupBy: maker },
    });
    throw maker === null
      ? errors.unprocessable("lookup_unknown", "查询记录不存在，请重新查询：本节点没有该查询凭证的记录")
      : errors.unprocessable(
          "lookup_not_own",
          "所引用的查询不是您本人所做：请以本人账号重新查询该从业人员，再凭查询凭证办理",
        );
  }

  async function send<K extends ExchangeKind>(
    actor: AuthUser,
    kind: K,
    input: { lookupId?: string; practitioner: { idNumber: string; name: string }; details: Details[K] },
  ): Promise<CaseDto> {
    await checkLookup(actor, kind, input.lookupId, input.practitioner.idNumber);
    // Refused here, so the officer's form gets the answer the hub would give later.
    checkCaseDates({ kind, details: input.details }, new Date());
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
    const noticeKey =
      kind === "notice"
        ? noticeOpenKey(input.practitioner.idNumber, (input.details as NoticeDetails).caseNumber)
        : null;
    const sameNotice = () =>
      noticeKey ? m.Cases.findOne({ openKey: noticeKey }, { caseId: 1 }).lean() : Promise.resolve(null);
    // Answers at once when the officer sends again (the first answer lost on the way); the unique
    // open key below decides a race.
    const earlier = await sameNotice();
    if (earlier) throw noticeDuplicate(earlier.caseId);
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
      .catch(async (err: unknown) => {
        if (!isDuplicateKey(err, "openKey")) throw err;
        if (kind === "notice") throw noticeDuplicate((await sameNotice())?.caseId ?? "");
        throw kind === "transfer" ? transferOpen() : alreadyFiled();
      });
    // One attempt at once, so a refusal the hub can already give reaches the officer as an answer.
    const entry = await deps.transport.takeLease(`submit:${caseId}`);
    if (entry) {
      const result = await deps.transport.attempt(entry);
      if (result.kind === "refused") {
        // Refused outright: nothing of it stays on this side either (the audit log keeps the refusal).
        // Safe to remove: the hub refuses (4xx) only before it commits a case, and answers a re-send
        // of one it holds with its receipt; a failure after its commit is a 5xx, a retry (the
        // refusal's comment in exchange-transport.ts).
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
      // Not refused (that ended above): nothing to audit, so not behind the audit log's queue.
      await conn.transaction((session) => deps.transport.settle(session, entry, result, new Date()));
      if (result.kind === "retry" || documents.length > 0) deps.kick?.();
    }
    return present(await visibleCase(actor, caseId));
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

    ...createFollowUps({
      m,
      audit: deps.audit,
      nextSeq,
      visibleCase,
      present,
      kick: () => deps.kick?.(),
      sourceCertificate: deps.sourceCertificate,
    }),
    ...createResend({ m, audit: deps.audit, visibleCase, present, kick: () => deps.kick?.() }),
    ...createTransferSteps({
      m,
      audit: deps.audit,
      transport: deps.transport,
      nextSeq,
      visibleCase,
      kick: () => deps.kick?.(),
    }),

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
