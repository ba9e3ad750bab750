import { SOURCE_ENDED_LABELS, type CaseState, type InboxMessage } from "../contracts/exchange.js";
import { divisionName } from "../organisation/index.js";
import type { LocalCaseDoc } from "./province-exchange.models.js";

/** How far along a case is, so a late or repeated message never moves it back. */
export const RANK: Record<CaseState, number> = {
  queued: 0,
  refused: 0,
  sent: 1,
  delivered: 2,
  acknowledged: 3,
  problem: 3,
  ended: 4,
};

/**
 * What one inbox message changes in this province's copy of its case: a new received case to
 * insert, or an update that never moves the case back (RANK); null when it changes nothing.
 * `issuedNow` says the message brings the transfer's issuance notice for the first time.
 */
export function applyMessage(c: LocalCaseDoc | null, msg: InboxMessage, own: string) {
  const at = new Date(msg.at);
  if (msg.type === "case") {
    if (c || !msg.body) return null;
    const b = msg.body;
    return {
      update: undefined,
      issuedNow: false,
      sourceEndedNow: false,
      insert: {
        caseId: msg.caseId,
        kind: msg.kind,
        box: "in" as const,
        state: "delivered" as const,
        fromProvince: msg.fromProvince,
        toProvince: own,
        division: msg.responsibleDivision,
        idNumber: b.practitioner.idNumber,
        name: b.practitioner.name,
        officer: b.officer,
        lookupId: b.lookupId ?? null,
        details: b.details,
        sentAt: at,
        deadlineAt: new Date(msg.deadlineAt),
        overdue: msg.overdue,
        escalatedAt: null,
        refusal: null,
        ack: null,
        end: null,
        history: [
          { at, state: "sent", by: officerOf(b.officer.name, msg.fromProvince), note: null },
          { at: new Date(), state: "delivered", by: "本省节点", note: null },
        ],
      },
    };
  }
  if (!c) return null;
  const withdrawal = disputeWithdrawal(c, msg, at);
  if (withdrawal !== undefined) return withdrawal;
  const set: Record<string, unknown> = {};
  const advance = RANK[msg.state] > RANK[c.state as CaseState];
  if (advance) set.state = msg.state;
  // An agreed transfer waits on its issuance from then on, by the deadline the hub set when it was
  // agreed (hub-exchange.service.ts `answer`): taken with the first message that carries it, at
  // either end, an overdue answer being over.
  const agreedNow =
    c.kind === "transfer" &&
    msg.state === "acknowledged" &&
    !c.issued &&
    c.deadlineAt?.getTime() !== Date.parse(msg.deadlineAt);
  if (agreedNow)
    Object.assign(set, { deadlineAt: new Date(msg.deadlineAt), overdue: false, escalatedAt: null });
  const escalated = msg.overdue && (agreedNow || !c.overdue);
  if (escalated) Object.assign(set, { overdue: true, escalatedAt: at });
  if (msg.ack && !c.ack) set.ack = { ...msg.ack, at: msg.at };
  if (msg.end && !c.end) set.end = msg.end;
  if (msg.sourceRecord && !c.sourceRecord) set.sourceRecord = msg.sourceRecord;
  const issuedNow = !!msg.issued && !c.issued;
  if (issuedNow && msg.issued) {
    const { officer: _officer, ...issued } = msg.issued;
    set.issued = { ...issued, at: msg.at };
  }
  // The home's word that the certificate this province issued on had ended before: kept for the
  // officers, who decide (nothing of this province's certificate changes by itself).
  const ended = c.box === "out" && !c.sourceEnded ? msg.sourceEnded : null;
  if (ended) set.sourceEnded = { ...ended, at: msg.at };
  if (Object.keys(set).length === 0) return null;
  const note = issuedNow
    ? `对方已换发新证 ${msg.issued?.serial ?? ""}，本省证书已注销（转籍）`
    : ended
      ? `原籍省份告知：本次换发所依据的原籍证书已被${SOURCE_ENDED_LABELS[ended.status]}（${ended.reason}），早于本省换发新证。本省证书未自动撤销，请核查后决定是否撤销或吊销本省证书`
      : escalated && c.kind === "transfer" && msg.state === "acknowledged"
        ? "同意转籍后逾期未换发新证，已升级至省级"
        : escalated
          ? "逾期未确认，已升级至省级"
        : (msg.ack?.problem?.note ?? msg.end?.reason ?? null);
  const by =
    issuedNow && msg.issued
      ? officerOf(msg.issued.officer.name, msg.fromProvince)
      : ended
        ? `原籍省份（${divisionName(msg.toProvince) ?? msg.toProvince}）`
        : msg.ack
          ? officerOf(msg.ack.officer.name, msg.toProvince)
          : msg.end
            ? officerOf(msg.end.officer.name, msg.fromProvince)
            : "全国中心";
  return {
    insert: undefined,
    issuedNow,
    /** The home's word, new to this case, that the certificate it issued on had ended before. */
    sourceEndedNow: ended !== null && ended !== undefined,
    update: {
      $set: set,
      $push: { history: { at, state: advance ? msg.state : c.state, by, note, messageId: msg.messageId } },
      // A filing the hub reports ended releases its open key here too (see filingOpenKey), and so
      // does a transfer the home province answered with a problem: its last step (transferOpenKey).
      ...(set.state === "ended" || (c.kind === "transfer" && set.state === "problem") ? { $unset: { openKey: 1 } } : {}),
    },
  };
}

/** An officer of another province as the case history shows them: by the province's name, not its code. */
function officerOf(name: string, provinceCode: string): string {
  return `${name}（${divisionName(provinceCode) ?? provinceCode}）`;
}

/**
 * The home province took back its dispute of this province's notice (撤回异议): the notice is as
 * before the dispute, `delivered` and unanswered, and the history says who took it back and why.
 * Only a copy still disputed moves back (the message about a later answer moves it on as any).
 * A copy this province ended meanwhile stays ended, only its answer cleared: the hub took the
 * withdrawal first, so it refuses the ending, which then gives the case back as the hub holds it,
 * unanswered (outgoing-settle.ts `reopen`). Undefined: not such a message, applied as any other.
 */
function disputeWithdrawal(c: LocalCaseDoc, msg: InboxMessage, at: Date) {
  const w = msg.disputeWithdrawn;
  if (!w || c.box !== "out" || c.kind !== "notice" || RANK[msg.state] >= RANK.problem) return undefined;
  if (c.state !== "problem" && c.state !== "ended") return undefined;
  if (!c.ack) return null;
  const state = c.state === "problem" ? msg.state : c.state;
  return {
    insert: undefined,
    issuedNow: false,
    sourceEndedNow: false,
    update: {
      $set: { state, ack: null },
      $push: {
        history: {
          at,
          state,
          by: officerOf(w.officer.name, msg.toProvince),
          note: `对方撤回异议：${w.reason}`,
          messageId: msg.messageId,
        },
      },
    },
  };
}
