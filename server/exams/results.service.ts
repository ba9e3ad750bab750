import type { ClientSession } from "mongoose";
import { CATEGORIES } from "../contracts/categories.js";
import type { SessionReportDto } from "../contracts/exams.js";
import type { ExamSessionDto } from "../contracts/scheduling.js";
import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { formatShown } from "../lib/local-time.js";
import { enqueueEvent } from "../lib/outbox.js";
import type { ReportAttempt } from "./report.js";
import type { Actor, AuditPort, SchedulingPort } from "./ports.js";
import { buildSessionReport } from "./report.js";
import { createResultRecords } from "./result-records.js";

/** When a session is over for publication: its end, and the late-entry window, have passed. */
export function overAt(s: Pick<ExamSessionDto, "startsAt" | "endsAt" | "lateEntryMinutes">): Date {
  return new Date(
    Math.max(new Date(s.endsAt).getTime(), new Date(s.startsAt).getTime() + s.lateEntryMinutes * 60_000),
  );
}

function sessionByName(s: ExamSessionDto): SessionReportDto["session"] {
  return {
    categoryName: CATEGORIES[s.categoryCode],
    testCentreName: s.testCentreName,
    roomName: s.roomName,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    overAt: overAt(s).toISOString(),
    status: s.status,
  };
}

/** What publication needs to know of a session's attempts (the exam service's `reportAttempts`). */
export interface SessionAttemptsPort {
  reportAttempts(sessionId: string): Promise<ReportAttempt[]>;
}

/**
 * Official results (成绩发布): until an officer publishes a session, candidates see only the
 * provisional score. Publishing marks every result official in one transaction with the
 * publication record, which then locks the session (no void or force-submit afterwards) and keeps
 * the report as published.
 */
export function createResultsService(
  ctx: FeatureContext,
  deps: {
    exams: SessionAttemptsPort;
    scheduling: SchedulingPort;
    audit: AuditPort;
    now?: () => Date;
    /** Told after a publication commits, so the outbox delivers its event without waiting for a poll. */
    onOutbox?: () => void;
  },
) {
  const records = createResultRecords(ctx.conn);
  const now = deps.now ?? (() => new Date());

  /** The session's report as it stands now (unpublished), from its attempts when already read. */
  async function draftReport(session: ExamSessionDto, read?: ReportAttempt[]): Promise<SessionReportDto> {
    const [assignments, attempts] = await Promise.all([
      deps.scheduling.listAssignments(session.id),
      read ?? deps.exams.reportAttempts(session.id),
    ]);
    return buildSessionReport({
      sessionId: session.id,
      categoryCode: session.categoryCode,
      sessionEndsAt: new Date(session.endsAt),
      assignments,
      attempts,
      publishedAt: null,
      publishedBy: null,
      session: sessionByName(session),
    });
  }

  /** The report as published, or as it stands while unpublished. */
  async function currentReport(sessionId: string): Promise<SessionReportDto> {
    const session = await deps.scheduling.getSession(sessionId);
    if (!session) throw errors.notFound("考试场次", "session_not_found");
    const published = await records.publishedReport(sessionId);
    if (published) return { ...published, session: sessionByName(session) };
    return draftReport(session);
  }

  /**
   * The session and its attempts, when its results may be published at `at`; otherwise the refusal
   * saying why.
   */
  async function publishable(
    sessionId: string,
    at: Date,
    withheld: readonly string[],
  ): Promise<{ session: ExamSessionDto; attempts: ReportAttempt[]; review: string[] }> {
    const session = await deps.scheduling.getSession(sessionId);
    if (!session) throw errors.notFound("考试场次", "session_not_found");
    // A cancelled session was never sat as scheduled: publishing it would make every seated
    // candidate officially absent (缺考) from a sitting that did not take place.
    if (session.status === "cancelled")
      throw errors.conflict("session_cancelled", "本场次已取消，没有可发布的成绩");
    const over = overAt(session).getTime();
    if (at.getTime() < over)
      throw errors.conflict(
        "session_not_over",
        `场次 ${formatShown(new Date(over), ctx.config.timeZone, "minute")} 才结束，结束前不能发布成绩`,
        { endsAt: new Date(over).toISOString() },
      );
    const attempts = await deps.exams.reportAttempts(sessionId);
    const open = attempts.filter((a) => !["submitted", "voided"].includes(a.status));
    if (open.length)
      throw errors.conflict("attempts_open", "仍有考生未交卷，不能发布成绩", {
        attemptIds: open.map((a) => a.attemptId),
      });
    // A sitting closed ungraded because its paper changed after check-in has no score to publish.
    // Published unnoticed it would read as a result withheld for no reason, and the publication
    // locks the session; refusing until it is resolved would hold every other candidate's result
    // past the 10-day rule. What a results officer expects is the usual 成绩暂缓发布: publication
    // names the sittings under review and goes ahead only when the officer withholds exactly
    // those (`withheld`), leaving them without any official result.
    const review = attempts.filter((a) => a.status === "submitted" && a.review).map((a) => a.attemptId);
    const named = new Set(withheld);
    if (review.some((id) => !named.has(id)))
      throw errors.conflict(
        "paper_changed",
        `有 ${review.length} 名考生的试卷在作答后被改动，未计分，须复核：请确认暂缓发布这些考生的成绩`,
        { attemptIds: review },
      );
    return { session, attempts, review };
  }

  return {
    report: currentReport,

    /**
     * Publishes a session's results once, after the session is over: its scheduled end has passed
     * (and the late-entry window with it, so nobody can still check in), it was not cancelled and
     * every attempt is closed. Sittings under review (no score) must be named in `withheld`.
     */
    async publish(
      actor: Actor,
      sessionId: string,
      opts: { withheld?: readonly string[] } = {},
    ): Promise<SessionReportDto> {
      const at = now();
      // Publication, official results, the audit entry and the outbox event commit together or not
      // at all: automatic certificate issue follows the event, so a crash right after the commit
      // delays it until the outbox is delivered again instead of losing it.
      const report = await deps.audit.transaction(async (tx) => {
        // Everything the report says is read after this transaction's first read. A void, a
        // force-submit or a cancellation committing later writes the audit head this transaction
        // writes too, so one of the two runs again and reads the other; read before the
        // transaction, a void landing in between left a published report that still showed the
        // voided pass.
        if (await records.isPublished(sessionId, tx))
          throw errors.conflict("results_locked", "本场次成绩已发布，不能再次发布");
        const { session, attempts, review } = await publishable(sessionId, at, opts.withheld ?? []);
        const draft = await draftReport(session, attempts);
        const published: SessionReportDto = {
          ...draft,
          publishedAt: at.toISOString(),
          publishedBy: actor.name,
        };
        await records.publish(tx, sessionId, at, actor.name, published);
        await enqueueEvent(
          ctx.conn,
          tx,
          "exam.results_published",
          { sessionId, publishedAt: at.toISOString() },
          `exam.results_published:${sessionId}`,
        );
        await deps.audit.append(tx, {
          action: "exam.results_published",
          actor: { id: actor.id, kind: actor.kind, name: actor.name },
          // The session's division, as the other exam entries carry it: a city's admin oversees
          // the city's sessions, and an entry without one is shown to province-level admins only.
          divisionCode: session.divisionCode,
          target: { type: "exam_session", id: sessionId },
          details: {
            submitted: published.attendance.submitted,
            late: at.getTime() > new Date(published.publishDueBy).getTime(),
            ...(review.length ? { withheldForReview: review } : {}),
          },
        });
        return published;
      });
      deps.onOutbox?.();
      return report;
    },

    isPublished: (sessionId: string, tx?: ClientSession) => records.isPublished(sessionId, tx),
    isOfficialPass: (attemptId: string, tx?: ClientSession) => records.isOfficialPass(attemptId, tx),
    publishedAmong: (sessionIds: string[]) => records.publishedAmong(sessionIds),
  };
}
export type ResultsService = ReturnType<typeof createResultsService>;
