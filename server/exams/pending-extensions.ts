import { randomBytes } from "node:crypto";
import { errors } from "../lib/errors.js";
import { nextControl, OPEN } from "./control-budget.js";
import type { ExamCore } from "./exam-core.js";
import type { Actor } from "./ports.js";
import type { UnitOfWork } from "./unit-of-work.js";

/** The most extension requests waiting for a second approver on one attempt (outage credits apart). */
export const MAX_PENDING_EXTENSIONS = 5;
/**
 * The most outage credits waiting for approval on one attempt: owed time, not a proctor's choice,
 * so MAX_PENDING_EXTENSIONS does not refuse them; this only bounds the attempt's size.
 */
export const MAX_PENDING_OUTAGE_REQUESTS = 100;

/** An extension waiting for its second approver. */
export interface TakenExtension {
  minutes: number;
  reason: string;
  requestedBy: string;
  /** The outage credit the request stands for (its reason as written), or null for an extension. */
  outage: { reason: string } | null;
}

/**
 * Extension requests waiting for a second approver (四眼), outage credits past the limit among
 * them: filed by one proctor, taken by the one who answers them. Each writes through the attempt's
 * chain inside the caller's unit of work and pushes the seat after the commit. What an approval
 * then gives is the attempt controls' `credit`.
 */
export function createPendingExtensions(core: ExamCore) {
  const { store, seats } = core;

  async function addPendingExtension(
    actor: Actor,
    attemptId: string,
    minutes: number,
    reason: string,
    uow: UnitOfWork,
    /** An outage credit's request: the credit's reason as written (see the model's `outage`). */
    outage?: { reason: string },
  ): Promise<{ requestId: string; sessionId: string } | null> {
    const requestId = `ext_${randomBytes(6).toString("hex")}`;
    // Through the chain like every other change: a request written beside it left the copies of
    // the attempt other instances keep (and this one) without it, so the next seat pushed from a
    // copy dropped the badge and the approve button before a second person saw them. The outage
    // mark is part of the request for the same reason (it was a side record once).
    const request = {
      requestId,
      minutes,
      reason,
      requestedBy: actor.id,
      requestedByName: actor.name,
      ...(outage ? { outage: { reason: outage.reason } } : {}),
    };
    const res = await store.mutate(
      attemptId,
      (doc, at) => {
        if (!OPEN.includes(doc.status)) return null;
        // An outage credit's request is owed time (attempt-controls.ts credit): only a bound of its own refuses it.
        const waiting = (doc.pendingExtensions ?? []).filter((p) => !outage || p.outage != null);
        const [most, what] = outage
          ? [MAX_PENDING_OUTAGE_REQUESTS, "断线补时"]
          : [MAX_PENDING_EXTENSIONS, "延时"];
        if (waiting.length >= most)
          throw errors.conflict(
            "too_many_pending_extensions",
            `该考生已有 ${most} 项${what}申请待批准，请先批准或驳回`,
          );
        return {
          filter: { status: doc.status },
          set: { controlEvents: nextControl(doc, !outage) },
          push: { pendingExtensions: { ...request, requestedAt: at } },
          event: { type: "extension_requested", data: { by: actor.id, requestId, minutes, reason } },
        };
      },
      { session: uow.session },
    );
    if (!res.event) return null;
    uow.afterCommit(() => seats.seat(attemptId));
    // The session as the attempt records it: the request's audit entry and notice go there.
    return { requestId, sessionId: res.before.sessionId };
  }

  /** Removes a pending extension atomically (only one approver can take it) and returns it. */
  async function takePendingExtension(
    attemptId: string,
    requestId: string,
    uow: UnitOfWork,
  ): Promise<TakenExtension | null> {
    let taken: TakenExtension | null = null;
    const res = await store.mutate(
      attemptId,
      (doc) => {
        const p = doc.pendingExtensions.find((x) => x.requestId === requestId);
        // Only an open sitting's request can be answered (closing clears them; this also holds
        // for an attempt closed before that rule).
        if (!p || !OPEN.includes(doc.status)) return null;
        taken = {
          minutes: p.minutes,
          reason: p.reason,
          requestedBy: p.requestedBy,
          outage: p.outage ? { reason: p.outage.reason } : null,
        };
        return {
          filter: { status: doc.status },
          set: { controlEvents: nextControl(doc, false) },
          pull: { pendingExtensions: { requestId } },
          event: { type: "extension_answered", data: { requestId } },
        };
      },
      { session: uow.session },
    );
    if (!res.event) return null;
    uow.afterCommit(() => seats.seat(attemptId));
    return taken;
  }

  return { addPendingExtension, takePendingExtension };
}
