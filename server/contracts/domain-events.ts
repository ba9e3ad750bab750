/**
 * Domain events crossing feature boundaries. They are written to the transactional outbox in the
 * same transaction as the change that causes them, then dispatched to in-process subscribers
 * (certificates, sharing) and later to the hub. Certificate events are listed in certificates.ts.
 */
import type { CertificateEvents } from "./certificates.js";
import type { QualificationRecord } from "./hub.js";

export interface DomainEvents extends CertificateEvents {
  "exam.passed": {
    attemptId: string;
    candidateId: string;
    idNumber: string;
    name: string;
    categoryCode: string;
    sessionId: string;
    score: number;
    passMark: number;
    submittedAt: string;
    /** Final hash of the attempt's event chain; the certificate signs it. */
    chainHash: string;
    /** GB/T 2260 province code of the node that ran the exam. */
    provinceCode: string;
  };
  /**
   * A pass was voided for misconduct (违纪) before its session's results were published: it no
   * longer stands. `pass` is the `exam.passed` it takes back; the pending issuance is rejected and
   * the hub's record of the pass deleted.
   */
  "exam.voided": {
    pass: DomainEvents["exam.passed"];
    /** The proctor's note, as recorded on the attempt. */
    note: string;
    voidedAt: string;
  };
  /**
   * A session's results were published (成绩发布), written with the publication; with automatic
   * issue the certificates feature then issues the session's pending certificates.
   */
  "exam.results_published": {
    sessionId: string;
    publishedAt: string;
  };
  /**
   * An entry of the province's old register, held only at the hub (the node has no certificate of
   * the person), was cancelled because another province issued on a transfer (转籍): `record` is
   * the entry's next version as published to the hub's collection interface.
   */
  "register.entry_cancelled": {
    record: QualificationRecord;
    caseId: string;
  };
}
export type DomainEventName = keyof DomainEvents;
