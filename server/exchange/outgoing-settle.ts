import type { ClientSession } from "mongoose";
import type { AuditLog } from "../audit/index.js";
import type { AuditAction } from "../contracts/audit.js";
import type { CaseReceipt, CaseState } from "../contracts/exchange.js";
// What each kind of outgoing entry is, as a case's history (and its page) names it.
import { OUTGOING_PURPOSE_LABELS as PURPOSE_LABELS } from "../contracts/exchange-resend.js";
import type { AppError } from "../lib/errors.js";
import { retryAt } from "../lib/queue-due.js";
import { RANK } from "./inbox-apply.js";
import {
  openKeyOf,
  type LocalCaseDoc,
  type OutgoingDoc,
  type ProvinceExchangeModels,
} from "./province-exchange.models.js";

/** An entry of `exchange_outgoing` as read, with its id. */
export type OutgoingEntry = OutgoingDoc & { _id: unknown };

/** The outcome of one delivery attempt of an outgoing entry. */
export type Delivery =
  | { kind: "done"; receipt: CaseReceipt }
  | { kind: "refused"; error: AppError }
  /** `error`: what officers read (Chinese, OUTGOING_WORDS in exchange-transport.ts); `cause`: for the log only. */
  | { kind: "retry"; error: string; cause?: unknown }
  /**
   * The hub takes nothing from this node for now (its key not registered yet, or the node suspended
   * by the hub operator): the entry waits, its attempt not counted (queue-hold.ts).
   */
  | { kind: "hold"; reason: string };

/** How the audit log names a refusal the sender settles, by what was refused. */
const REFUSAL_ACTIONS: Readonly<Record<OutgoingDoc["purpose"], (kind: LocalCaseDoc["kind"]) => AuditAction>> =
  {
    submit: (kind) => `exchange.${kind}.refused`,
    answer: () => "exchange.answer_refused",
    end: () => "exchange.end_refused",
    issued: () => "exchange.message_refused",
    document: () => "exchange.message_refused",
    source_ended: () => "exchange.message_refused",
    dispute_withdrawal: () => "exchange.message_refused",
  };

/**
 * Messages whose loss leaves the two provinces disagreeing for good: an issuance report (the
 * receiving province's new certificate valid while the former home's was never superseded), an
 * ending or an answer. They never go dead: past `maxAttempts` they keep being retried at the
 * backoff's cap, and the escalation page counts them (province-case-reads.ts `undelivered`).
 */
export const KEEPS_RETRYING: ReadonlySet<OutgoingDoc["purpose"]> = new Set(["issued", "end", "answer"]);

/** Whether a failed attempt numbered `attempts` makes the entry dead (given up). */
export const givesUp = (purpose: OutgoingDoc["purpose"], attempts: number, maxAttempts: number): boolean =>
  attempts >= maxAttempts && !KEEPS_RETRYING.has(purpose);

/** Who the audit log names for what the sender settles by itself. */
const SENDER_ACTOR = { id: "exchange", kind: "system", name: "跨省交换（发送）" } as const;

/** Why a case's later entry was settled without being sent: the hub refused the case itself. */
const UNSENT_AFTER_REFUSAL = "事项已被全国中心拒绝，本消息未发送";

/**
 * Records what the hub answered for `entry` (in the caller's transaction): a hold waits uncounted,
 * a retry is due again after a backoff (dead after `maxAttempts`), a receipt advances the case, a
 * refusal is shown on it (an answer or ending taken back) and audited.
 */
export async function settleDelivery(
  m: ProvinceExchangeModels,
  limits: {
    maxAttempts: number;
    backoff: (attempt: number) => number;
    /** Where final refusals are recorded, in the caller's transaction (none: not recorded). */
    audit?: Pick<AuditLog, "append">;
  },
  session: ClientSession,
  entry: OutgoingEntry,
  result: Delivery,
  at: Date,
): Promise<void> {
  const { maxAttempts, backoff } = limits;
  if (result.kind === "hold") {
    await m.Outgoing.updateOne(
      { _id: entry._id },
      { $set: { status: "pending", leaseUntil: null, lastError: result.reason } },
      { session },
    );
    return;
  }
  if (result.kind === "retry") {
    const attempts = entry.attempts + 1;
    const dead = givesUp(entry.purpose, attempts, maxAttempts);
    // Kept retrying past the maximum: said once on the case, where its officers look.
    const stillTrying = !dead && attempts === maxAttempts;
    // Due again by the database's clock plus a jittered backoff (see DUE in exchange-transport.ts),
    // whatever this instance's says.
    await m.Outgoing.updateOne(
      { _id: entry._id },
      [
        {
          $set: {
            status: { $literal: dead ? "dead" : "pending" },
            attempts,
            lastError: { $literal: result.error },
            availableAt: retryAt(backoff(attempts)),
            leaseUntil: null,
          },
        },
      ],
      { session, updatePipeline: true },
    );
    // The case's history says so, where its officers look (an ending or issuance report dying
    // unseen left the other side unaware); its page offers to send it again (province-resend.ts).
    if (dead || stillTrying) {
      const c = await m.Cases.findOne({ caseId: entry.caseId }, { state: 1 }).session(session).lean();
      const note = dead
        ? `${PURPOSE_LABELS[entry.purpose]}未能送达全国中心，已停止自动重发（共 ${attempts} 次）：${result.error}`
        : `${PURPOSE_LABELS[entry.purpose]}已 ${attempts} 次未能送达全国中心，本省节点将继续自动重发：${result.error}`;
      if (c)
        await m.Cases.updateOne(
          { caseId: entry.caseId },
          {
            $push: {
              history: {
                at,
                state: c.state,
                by: "本省节点",
                note,
              },
            },
          },
          { session },
        );
    }
    return;
  }
  // A refused answer or ending is taken back below: the hub's word on it is final (done, so it does
  // not hold the case's later entries back) and its key is free for the next answer or ending.
  const takenBack =
    result.kind === "refused" &&
    (entry.purpose === "answer" || entry.purpose === "end" || entry.purpose === "dispute_withdrawal");
  await m.Outgoing.updateOne(
    { _id: entry._id },
    {
      $set: {
        status: result.kind === "done" || takenBack ? "done" : "dead",
        // Dead by the hub's final word, not for want of reaching it: not one to send again.
        ...(result.kind === "refused" && !takenBack ? { refusedByHub: true } : {}),
        attempts: entry.attempts + 1,
        leaseUntil: null,
        // The hub's own words (Chinese) with its code in parentheses, as the queues put it.
        lastError: result.kind === "refused" ? `${result.error.message} (${result.error.code})` : null,
        ...(takenBack ? { key: `${entry.key}:refused:${entry.seq}` } : {}),
      },
    },
    { session },
  );
  // A refused filing leaves the hub holding no case: the case's later entries (an ending queued
  // while the filing waited) could only be refused case_not_found, and that refusal would replace
  // the hub's real reason on the case. They are settled unsent instead, saying why.
  if (result.kind === "refused" && entry.purpose === "submit")
    await m.Outgoing.updateMany(
      { caseId: entry.caseId, seq: { $gt: entry.seq }, status: { $in: ["pending", "dead"] } },
      { $set: { status: "done", leaseUntil: null, lastError: UNSENT_AFTER_REFUSAL } },
      { session },
    );
  const c = await m.Cases.findOne({ caseId: entry.caseId }).session(session).lean();
  if (!c) return;
  if (result.kind === "done") {
    const r = result.receipt;
    const set: Record<string, unknown> = {
      sentAt: new Date(r.sentAt),
      deadlineAt: new Date(r.deadlineAt),
      toProvince: r.toProvince,
    };
    const advance = RANK[r.state] > RANK[c.state as CaseState];
    if (advance) set.state = r.state;
    await m.Cases.updateOne(
      { caseId: c.caseId },
      {
        $set: set,
        ...(advance ? { $push: { history: { at, state: r.state, by: "全国中心", note: null } } } : {}),
      },
      { session },
    );
    return;
  }
  const refusal = { code: result.error.code, message: result.error.message };
  if (entry.purpose === "end" && c.state === "ended" && refusal.code !== "case_ended")
    await reopen(m, session, entry, c, refusal, at);
  else await showRefusal(m, session, entry, c, refusal, at);
  // Settled by the sender, no officer acting: audited all the same, as the officers' changes are.
  await limits.audit?.append(session, {
    action: REFUSAL_ACTIONS[entry.purpose](c.kind),
    actor: SENDER_ACTOR,
    divisionCode: c.division,
    target: { type: "exchange_case", id: c.caseId },
    details: { code: refusal.code, note: `${PURPOSE_LABELS[entry.purpose]}：${refusal.message}` },
  });
}

type Refusal = { code: string; message: string };

/**
 * A refused new case is refused, and a refused answer is taken back: the case reads as the hub
 * holds it, answerable again (an answer the hub refused showed as given for good). The state goes
 * back only from the one this answer set: a case a pulled message moved on meanwhile (the sender
 * ended it, which is why the hub refused) stays there, else it read as open at home for good. Any
 * other refusal leaves the case as it was. The reason is shown either way.
 */
async function showRefusal(
  m: ProvinceExchangeModels,
  session: ClientSession,
  entry: OutgoingEntry,
  c: LocalCaseDoc,
  refusal: Refusal,
  at: Date,
): Promise<void> {
  const answered = entry.purpose === "answer" && c.state === (entry.body as { outcome?: string }).outcome;
  // A dispute's taking back the hub refused: the dispute stands there, so here too, unless the case
  // moved on meanwhile (answered again, or ended by its sender).
  const prior = entry.prior as { state?: CaseState; ack?: unknown } | null | undefined;
  const disputeStands =
    entry.purpose === "dispute_withdrawal" && c.state === "delivered" && !c.ack && !!prior?.ack;
  const undo =
    entry.purpose === "submit"
      ? { state: "refused" }
      : answered
        ? { state: "delivered", ack: null }
        : entry.purpose === "answer"
          ? { ack: null }
          : disputeStands
            ? { state: prior.state ?? "problem", ack: prior.ack }
            : {};
  await m.Cases.updateOne(
    // The state read above, in this transaction: a pull moving the case on conflicts and retries.
    { caseId: c.caseId, state: c.state },
    {
      $set: { refusal, ...undo },
      // A refused filing is not open: the division may file the person again.
      ...(entry.purpose === "submit" ? { $unset: { openKey: 1 } } : {}),
      $push: {
        history: {
          at,
          state: "state" in undo ? undo.state : c.state,
          by: "全国中心",
          note: refusal.message,
        },
      },
    },
    { session },
  );
}

/**
 * An ending the hub refused (a date its calendar does not take, an office it does not know): the
 * hub keeps the case open, as its checks run before it commits anything (exchange-transport.ts).
 * Left ended here, the case was closed for good on this side only, its open key released and no
 * way to end it again. It is given back as it was before the ending, its open key with it, and
 * may be ended again; `case_ended` is the one refusal that says the hub holds it ended too.
 */
async function reopen(
  m: ProvinceExchangeModels,
  session: ClientSession,
  entry: OutgoingEntry,
  c: LocalCaseDoc,
  refusal: Refusal,
  at: Date,
): Promise<void> {
  const prior = entry.prior as { state: CaseState; openKey: string | null } | null | undefined;
  // Endings queued before `prior` was kept: the last state the history shows before the ending
  // (what was pulled while it waited is written as `ended`).
  const before =
    prior?.state ?? ([...c.history].reverse().find((h) => h.state !== "ended")?.state as CaseState);
  // The home's answer pulled while the ending waited could not move an ended case: it is where
  // the hub holds the case now.
  const outcome = (c.ack as { outcome?: CaseState } | null)?.outcome;
  // A notice whose dispute the home took back while its withdrawal waited (inbox-apply.ts
  // `disputeWithdrawal` cleared the answer): unanswered, as the hub holds it.
  const state =
    c.kind === "notice" && before === "problem" && !c.ack
      ? "delivered"
      : outcome && RANK[outcome] > RANK[before]
        ? outcome
        : before;
  const key = prior?.openKey === null ? null : openKeyOf(c, state);
  // A new filing or transfer of the person took the key once the ending released it: it keeps it
  // (read here in the transaction; one taking it meanwhile fails this one on the unique key, and
  // the entry, still leased, is refused again and settled after the lease).
  const taken = key
    ? await m.Cases.exists({ openKey: key, caseId: { $ne: c.caseId } }).session(session)
    : null;
  const note = taken
    ? `${refusal.message}（已恢复为终止前的状态；该从业人员已有新的${{ transfer: "转籍", notice: "抄告", filing: "备案" }[c.kind]}，请核对后终止其中一件）`
    : `${refusal.message}（已恢复为终止前的状态，可重新终止）`;
  await m.Cases.updateOne(
    { caseId: c.caseId, state: c.state },
    {
      $set: { refusal, state, end: null, ...(key && !taken ? { openKey: key } : {}) },
      $push: { history: { at, state, by: "全国中心", note } },
    },
    { session },
  );
}

/**
 * The entries of a case the sender gave up on without the hub's word on them (dead after
 * `maxAttempts`), oldest first: what an officer may send again (province-resend.ts). An entry the
 * hub refused for good is dead too but not among them (sent again it is refused again), and a case
 * the hub refused has none whatever its entries say (refused before `refusedByHub` was kept).
 */
export async function undeliveredEntries(
  m: ProvinceExchangeModels,
  c: Pick<LocalCaseDoc, "caseId" | "state">,
  session: ClientSession | null = null,
): Promise<OutgoingEntry[]> {
  if (c.state === "refused") return [];
  return m.Outgoing.find({ caseId: c.caseId, status: "dead", refusedByHub: { $ne: true } })
    .sort({ seq: 1 })
    .session(session)
    .lean<OutgoingEntry[]>();
}
