import { z } from "zod";
import { IdNumber, IsoDate } from "./validation.js";

/**
 * The exchange's vocabulary: the field shapes its messages and the officer's API share, the case
 * kinds and states, and the problems a home province may answer with, with their labels. Read
 * through exchange.ts.
 */

/** Field shapes shared with the officer's API (exchange-pages.ts). */
export const Id = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, "须为 8–64 位字母、数字或 -");
export { IsoDate };
export const Text = (max: number) => z.string().trim().min(1).max(max);
export { IdNumber };
/**
 * A UUID as the nodes keep and compare it: in lower case (RFC 9562 writes UUIDs so and compares
 * them case-insensitively). Another implementation may send one in upper case; matched exactly,
 * its lookup id was refused lookup_mismatch.
 */
export const Uuid = z.string().toLowerCase().uuid();
/** The longest reason a dispute's taking back (撤回异议) carries; the dialog limits its input to it. */
export const DISPUTE_WITHDRAWAL_REASON_MAX = 300;

export const ExchangeKind = z.enum(["filing", "transfer", "notice"]);
export type ExchangeKind = z.infer<typeof ExchangeKind>;

/**
 * A case's state: `sent` (held by the hub), `delivered` (the home province pulled it), then
 * `acknowledged` or `problem` (the home province's answer; a notice's dispute taken back by the home
 * is `delivered` again), and `ended` (a filing whose
 * practitioner left, a transfer withdrawn, a notice withdrawn by its sender once disputed). Locally a sender also knows `queued` (not yet accepted by the hub) and
 * `refused` (the hub refused it with a reason).
 */
export const CaseState = z.enum([
  "queued",
  "sent",
  "delivered",
  "acknowledged",
  "problem",
  "ended",
  "refused",
]);
export type CaseState = z.infer<typeof CaseState>;

/** The states in which a sender's case is still open (the sender may end it): the node's and its page's one list. */
export const OPEN_CASE_STATES: readonly CaseState[] = [
  "queued",
  "sent",
  "delivered",
  "acknowledged",
  "problem",
];

export const CASE_STATE_LABELS: Readonly<Record<CaseState, string>> = {
  queued: "待发送",
  sent: "已发送",
  delivered: "已送达",
  acknowledged: "已确认",
  problem: "有异议",
  ended: "已终止",
  refused: "被拒绝",
};
export const KIND_LABELS: Readonly<Record<ExchangeKind, string>> = {
  filing: "异地备案",
  transfer: "转籍",
  notice: "违法抄告",
};

export const ProblemCode = z.enum([
  "certificate_revoked",
  "identity_mismatch",
  "not_our_practitioner",
  "other",
]);
export type ProblemCode = z.infer<typeof ProblemCode>;
export const PROBLEM_LABELS: Readonly<Record<z.infer<typeof ProblemCode>, string>> = {
  certificate_revoked: "证书已吊销或注销",
  identity_mismatch: "身份信息不符",
  not_our_practitioner: "非本省从业人员",
  other: "其他",
};

/** A province or division code as the hub reports it on a receipt or an inbox message. */
export const HubCode = z.string().max(6);
/** A time as the hub reports it on a receipt or an inbox message. */
export const HubTime = z.string().max(40);
