import type { Connection } from "mongoose";
import type { DomainEvents } from "../contracts/domain-events.js";
import type { CertificateRecord } from "../contracts/certificates.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { issuanceModel } from "./certificate.model.js";
import { SYSTEM_ACTOR, actorName, type Actor } from "./record.js";
import type { IssuanceLean, IssuancePorts } from "./issuance.service.js";

/**
 * What exam delivery's events do to issuances: a pass opens a pending issuance (one per attempt,
 * whatever the deliveries), a void rejects it, and a publication issues the session's pending
 * passes when the node issues automatically (through `issue`, the officer's own path).
 */
export function createIssuanceEvents(
  conn: Connection,
  ports: IssuancePorts,
  issue: (actor: Actor, issuanceId: string) => Promise<CertificateRecord>,
) {
  const Issuances = issuanceModel(conn);
  const clock = ports.clock ?? (() => new Date());

  /** What an issuance keeps of the pass it is for. */
  async function issuanceOf(e: DomainEvents["exam.passed"]) {
    return {
      attemptId: e.attemptId,
      candidateId: e.candidateId,
      idNumber: e.idNumber,
      name: e.name,
      categoryCode: e.categoryCode,
      sessionId: e.sessionId,
      score: e.score,
      passedAt: new Date(e.submittedAt),
      chainHash: e.chainHash,
      divisionCode: (await ports.sessionDivision(e.sessionId)) ?? ports.provinceCode,
    };
  }

  async function onExamPassed(e: DomainEvents["exam.passed"]): Promise<void> {
    // Upsert on the unique attemptId: a repeated delivery or a second instance finds it there, and
    // so does a pass whose void was delivered first (rejected already: it stays so).
    const res = await Issuances.updateOne(
      { attemptId: e.attemptId },
      { $setOnInsert: { ...(await issuanceOf(e)), status: "pending" } },
      { upsert: true },
    ).catch((err: unknown) => {
      if (isDuplicateKey(err)) return { upsertedCount: 0 };
      throw err;
    });
    // A pass delivered after its session's publication is issued at once; the others wait for it.
    if (ports.autoIssue && res.upsertedCount === 1 && (await ports.resultsPublished(e.sessionId))) {
      const created = await Issuances.findOne({ attemptId: e.attemptId }).lean<IssuanceLean>();
      if (created) await autoIssue(created);
    }
  }

  /**
   * A pass was voided (违纪) before publication: its issuance is rejected with the proctor's note,
   * so the officer's list no longer offers it and publication's automatic issue passes it by. The
   * void may be delivered before the pass it voids (the pass's delivery failed and waits for its
   * retry, or another instance holds it): the rejection is then written first, and the pass
   * arriving later finds its attempt decided instead of opening a pending issuance.
   */
  async function onExamVoided(e: DomainEvents["exam.voided"]): Promise<void> {
    const reason = `考试已作废（违纪）：${e.note}`;
    await ports.audit.transaction(async (session) => {
      const decided = {
        status: "rejected" as const,
        decidedBy: actorName(SYSTEM_ACTOR),
        decidedAt: clock(),
        reason,
      };
      const found = await Issuances.findOne({ attemptId: e.pass.attemptId }, { status: 1, divisionCode: 1 })
        .session(session)
        .lean<Pick<IssuanceLean, "_id" | "status" | "divisionCode">>();
      // Decided meanwhile by an officer (rejected: the same outcome); a repeated delivery: done.
      if (found && found.status !== "pending") return;
      let id: unknown = found?._id;
      let divisionCode = found?.divisionCode;
      if (found) {
        const res = await Issuances.updateOne(
          { _id: found._id, status: "pending" },
          { $set: decided },
          { session },
        );
        if (res.matchedCount !== 1) return;
      } else {
        // The void came first: the pass's fields (its session's division read only now) are kept.
        const fields = await issuanceOf(e.pass);
        const [created] = await Issuances.create([{ ...fields, ...decided }], { session });
        id = created?._id;
        divisionCode = fields.divisionCode;
      }
      await ports.audit.append(session, {
        action: "certificate.issuance_rejected",
        actor: SYSTEM_ACTOR,
        divisionCode: divisionCode ?? ports.provinceCode,
        target: { type: "certificate_issuance", id: String(id) },
        details: { reason, attemptId: e.pass.attemptId, voided: true },
      });
    });
  }

  /**
   * A failed automatic issue leaves the issuance pending for an officer; it must not fail the
   * event's delivery (the dispatcher would deliver it again) but it must not go unnoticed either.
   */
  async function autoIssue(pending: IssuanceLean): Promise<void> {
    await issue(SYSTEM_ACTOR, String(pending._id)).catch((err: unknown) =>
      ports.logger?.warn({ err, attemptId: pending.attemptId }, "automatic certificate issue failed"),
    );
  }

  /** A session's results were published: with automatic issue, its pending passes are issued now. */
  async function onResultsPublished(sessionId: string): Promise<void> {
    if (!ports.autoIssue) return;
    // Page by _id rather than take one capped read: every pass of the session is issued however
    // many there are, and one whose issue failed (left pending) is not read again in this round.
    const PAGE = 500;
    for (let after: unknown = null; ;) {
      const page = await Issuances.find({
        sessionId,
        status: "pending",
        ...(after === null ? {} : { _id: { $gt: after } }),
      })
        .sort({ _id: 1 })
        .limit(PAGE)
        .lean<IssuanceLean[]>();
      for (const p of page) await autoIssue(p);
      if (page.length < PAGE) return;
      after = page[page.length - 1]?._id;
    }
  }

  return { onExamPassed, onExamVoided, onResultsPublished };
}
