import type { AuthUser } from "../contracts/auth.js";
import type { ExtendPayload, PendingExtensionDto, ProctorActionResultDto } from "../contracts/exams.js";
import type { Connection } from "mongoose";
import type { UnitOfWork } from "../exams/index.js";
import { AppError, errors } from "../lib/errors.js";
import { createExtendRequests } from "./extend-requests.js";
import { toActor, type ProctorDesk, type SessionOfEntry } from "./proctor-desk.js";

/**
 * A proctor's actions on one attempt: extra time (at once, or waiting for a second approver),
 * force-submit and void. Each is refused once the session's results are published, and commits
 * with its audit entry.
 */
export function createAttemptActions(desk: ProctorDesk, approvalMinutes: number, conn: Connection) {
  const {
    deps,
    now,
    authorize,
    audited,
    entry,
    fileExtensionRequest,
    attemptSession,
    refuseIfPublished,
    result,
  } = desk;
  const requests = createExtendRequests(conn);

  /**
   * Whether an extension waits for a second approver. The server decides (Pearson VUE: time changes
   * need a second authorisation); the requester's flag can only add the approval. One proctor alone
   * may bring a candidate's extra time in all (extensions, outage credit, accommodation) to below
   * EXAM_EXTENSION_APPROVAL_MINUTES: counting what was given before, so a run of small extensions
   * cannot add up to what one large one may not. What was given before is counted by the credit
   * itself, inside its transaction (see extend): this only answers what the request alone decides.
   */
  function needsApproval(p: ExtendPayload): boolean {
    return p.requireSecondApprover || approvalMinutes === 0 || p.minutes >= approvalMinutes;
  }

  /**
   * Gives the time at once, or files it for a second approver (see `extend`, fileExtensionRequest), inside `uow`;
   * returns the request filed, or null when the time was given.
   */
  async function makeExtension(
    user: AuthUser,
    session: SessionOfEntry,
    p: ExtendPayload,
    asked: boolean,
    uow: UnitOfWork,
  ): Promise<PendingExtensionDto | null> {
    const tag = p.requestId ? { requestId: p.requestId } : {};
    if (!asked) {
      try {
        const ok = await deps.exams.credit(
          toActor(user),
          p.attemptId,
          p.minutes,
          p.reason,
          "extend",
          uow,
          tag,
          approvalMinutes,
        );
        if (!ok) throw errors.conflict("invalid_transition", "该考生当前不能延时");
        await entry(
          uow,
          user,
          "proctor.extend",
          session,
          { minutes: p.minutes, reason: p.reason, ...tag },
          p.attemptId,
        );
        return null;
      } catch (err) {
        if (!(err instanceof AppError && err.code === "approval_required")) throw err;
      }
    }
    const filed = await fileExtensionRequest(uow, user, session, p);
    if (!filed) throw errors.conflict("invalid_transition", "该考生当前不能延时");
    return filed;
  }

  return {
    /**
     * Extends one attempt (reason required). The request waits until a different proctor or officer
     * approves it when the proctor asks for that, or when it reaches the approval threshold
     * (`needsApproval`); otherwise the time is given at once. The threshold is judged again inside
     * the credit's own transaction, on the attempt as it reads it: two requests sent together each
     * found the extra time below it and were both given. The one that finds it reached waits for
     * approval instead, in the same transaction. With the console's `requestId`, the same
     * extension sent again (its ack lost) is answered what it came to and made only once.
     */
    async extend(
      user: AuthUser,
      p: ExtendPayload,
    ): Promise<ProctorActionResultDto & { pending: PendingExtensionDto | null }> {
      const session = await attemptSession(user, p.attemptId);
      await refuseIfPublished(session.id);
      const asked = needsApproval(p);
      const pending = await audited(async (uow) => {
        // The same extension sent again (its ack was lost): answered what it came to, not made twice.
        const earlier = p.requestId ? await requests.find(p.attemptId, p.requestId, uow.session) : null;
        if (earlier) {
          if (earlier.requestedById !== user.id)
            throw errors.conflict("request_id_reused", "该操作编号已被其他监考员使用，请重新提交");
          // The same id with other minutes or another reason is not a resend of that extension.
          if (earlier.minutes !== p.minutes || earlier.reason !== p.reason)
            throw errors.conflict("request_id_reused", "该操作编号已用于另一项补时，请重新提交");
          return earlier.pending;
        }
        const made = await makeExtension(user, session, p, asked, uow);
        if (p.requestId)
          await requests.record(
            p.attemptId,
            p.requestId,
            { requestedById: user.id, minutes: p.minutes, reason: p.reason, pending: made },
            now(),
            uow.session,
          );
        return made;
      });
      // A request filed now was announced to the room once committed (fileExtensionRequest); a
      // repeat's was announced when it was filed.
      if (pending) return { ...result([], []), pending };
      return { ...result([p.attemptId], []), pending: null };
    },

    async approveExtension(
      user: AuthUser,
      attemptId: string,
      requestId: string,
      approve: boolean,
    ): Promise<ProctorActionResultDto> {
      const owner = await deps.exams.ownerOf(attemptId);
      if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
      // The session authorised is the one the answer's entry names (its division with it).
      const session = await authorize(user, owner.sessionId, { watchOnly: true });
      // Locked like extend, force-submit and void: a request answered after publication was told
      // `extension_not_found`, as if nobody had ever asked.
      await refuseIfPublished(session.id);
      const pending = await deps.exams.pendingExtension(attemptId, requestId);
      if (!pending) throw errors.notFound("延时申请", "extension_not_found");
      if (pending.requestedBy === user.id)
        throw errors.forbidden("延时须由另一名监考员或考务人员批准", "second_approver_required");
      // Taking the request, crediting it and the entry commit together: a refused credit leaves
      // the request pending.
      await audited(async (uow) => {
        const taken = await deps.exams.takePendingExtension(attemptId, requestId, uow);
        if (!taken) throw errors.notFound("延时申请", "extension_not_found");
        // An outage credit that waited for approval is owed time once approved, given as an outage
        // credit under the limit is: a room booked after the session does not refuse it (the
        // overrun is flagged for the office), where an extension, which may wait, is refused.
        // The mark is on the request; one filed before it moved there has it in a side record.
        const outage = taken.outage ?? (await requests.legacyOutageOf(attemptId, requestId, uow.session));
        if (approve) {
          const ok = await deps.exams.credit(
            toActor(user),
            attemptId,
            taken.minutes,
            outage ? outage.reason : taken.reason,
            outage ? "credit" : "extend",
            uow,
            { requestedBy: taken.requestedBy, approvedBy: user.id },
          );
          if (!ok) throw errors.conflict("invalid_transition", "该考生当前不能延时");
        }
        await entry(
          uow,
          user,
          approve ? "proctor.extend_approved" : "proctor.extend_rejected",
          session,
          {
            requestId,
            minutes: taken.minutes,
            requestedBy: taken.requestedBy,
            ...(outage ? { outage: true } : {}),
          },
          attemptId,
        );
      });
      return result(approve ? [attemptId] : [], []);
    },

    async forceSubmit(user: AuthUser, attemptId: string, reason: string): Promise<ProctorActionResultDto> {
      const session = await attemptSession(user, attemptId);
      await refuseIfPublished(session.id);
      const ok = await audited(async (uow) => {
        const done = await deps.exams.forceSubmit(toActor(user), attemptId, uow);
        await entry(uow, user, "proctor.force_submit", session, { reason, done }, attemptId);
        return done;
      });
      return ok ? result([attemptId], []) : result([], [{ attemptId, code: "invalid_transition" }]);
    },

    async voidAttempt(user: AuthUser, attemptId: string, note: string): Promise<ProctorActionResultDto> {
      const session = await attemptSession(user, attemptId);
      await refuseIfPublished(session.id);
      const ok = await audited(async (uow) => {
        const done = await deps.exams.voidAttempt(toActor(user), attemptId, note, uow);
        await entry(uow, user, "proctor.void", session, { note, done }, attemptId);
        return done;
      });
      return ok ? result([attemptId], []) : result([], [{ attemptId, code: "invalid_transition" }]);
    },
  };
}
