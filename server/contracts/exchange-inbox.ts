import { z } from "zod";
import { SignedCertificateRecord } from "./certificates.js";
import { ReceivedQualificationRecord } from "./exchange-records.js";
import { receivedMessages as received } from "./exchange-case-bodies.js";
import {
  CaseState,
  ExchangeKind,
  HubCode as Code,
  HubTime as Time,
  Id,
  Uuid,
} from "./exchange-vocabulary.js";
import { wholeNumber } from "./validation.js";

/**
 * The exchange's inbox (hub → province, pulled): its messages, the cursor query and the page.
 * Re-exported by exchange-messages.ts; read through exchange.ts.
 */

/**
 * One inbox message. `case` messages bring a new case to its home province (and `end` its
 * ending); `state` messages tell either side that a case changed (delivered, acknowledged,
 * problem, ended, overdue).
 */
export const InboxMessage = z.object({
  seq: z.int(),
  messageId: Uuid,
  type: z.enum(["case", "state"]),
  at: Time,
  caseId: Id,
  kind: ExchangeKind,
  fromProvince: Code,
  toProvince: Code,
  state: CaseState,
  responsibleDivision: Code,
  deadlineAt: Time,
  overdue: z.boolean(),
  /** The whole case (type `case`): practitioner, officer, lookup and details. */
  body: received.CaseBody.nullable(),
  /** The answer or ending that caused a `state` message. */
  ack: z
    .object({
      outcome: z.enum(["acknowledged", "problem"]),
      problem: received.AckProblem.nullable(),
      officer: received.Officer,
      certificate: SignedCertificateRecord.nullable().default(null),
    })
    .nullable(),
  end: received.EndBody.nullable(),
  /**
   * The home province took back its dispute of a notice (its `state` message, state `delivered`):
   * the sender's copy goes back from 有异议 to 已送达, unanswered. Older provinces strip it, and
   * their copy stays 有异议 until the home's next answer (README, compatibility).
   */
  disputeWithdrawn: received.DisputeWithdrawalBody.nullable().default(null),
  /** The receiving province's new certificate on a transfer (its `issued` message). */
  issued: received.IssuedBody.nullable().default(null),
  /**
   * An agreed transfer of a holder whose home node keeps no signed certificate (a legacy register
   * entry): the home province's certificate record as the hub holds it, which the receiving
   * province issues from (the hub's record is the source of truth for legacy holders).
   */
  sourceRecord: ReceivedQualificationRecord.nullable().default(null),
  /**
   * A transfer issued on: the home province's certificate had been revoked or withdrawn before the
   * issuance notice reached it (its `source-ended` message), for the receiving province's officers
   * to decide on the certificate they issued.
   */
  sourceEnded: received.SourceEndedBody.nullable().default(null),
});
export type InboxMessage = z.infer<typeof InboxMessage>;

/**
 * `after` is the receiver's cursor: asking with `after=N` confirms that every message up to N is
 * stored, which is what makes a case `delivered` (store-and-forward: nothing is lost if the
 * receiver crashes between receiving and storing, it asks again from its old cursor).
 */
export const InboxQuery = z.strictObject({
  after: wholeNumber(0).default(0),
  limit: wholeNumber(1, 500).default(100),
  /** Long poll: with nothing after the cursor, wait up to this many ms for the next message. */
  wait: wholeNumber(0, 10_000).default(0),
});
export const InboxPage = z.object({
  messages: z.array(InboxMessage).max(500),
  nextCursor: z.int(),
  hasMore: z.boolean(),
});
export type InboxPage = z.infer<typeof InboxPage>;
