import { computeDeadline } from "./clock.js";
import type { ExamCore } from "./exam-core.js";
import { rooms, type Actor, type AttemptsOutcome } from "./ports.js";
import { clockParts, toVoidedClosed, type AttemptLean } from "./presenters.js";
import { controlsExhausted, controlsSpent, nextControl, OPEN } from "./control-budget.js";
import { createPendingExtensions } from "./pending-extensions.js";
import { holdRoom } from "./release.js";
import type { UnitOfWork } from "./unit-of-work.js";
import { errors } from "../lib/errors.js";
import { enqueueEvent, outboxModel } from "../lib/outbox.js";
import type { DomainEvents } from "../contracts/domain-events.js";
import { passEventKey } from "./closing.js";

/** The most pauses one attempt takes (a real sitting has a handful). */
export const MAX_PAUSES = 30;

/**
 * Proctor actions on one attempt: pause, resume, extra time, pending extensions (filed and taken
 * in pending-extensions.ts), force-submit and void. Authorised and audited by the proctoring feature: each writes inside the caller's unit of
 * work (the transaction its audit entry joins), pushes to sockets only after the commit, and
 * returns whether it changed anything.
 */
export function createAttemptControls(
  core: ExamCore,
  close: (attemptId: string, actor: Actor, uow: UnitOfWork) => Promise<boolean>,
) {
  const { store, seats, results, deps, now } = core;

  /**
   * Pauses the running attempts among `attemptIds` (the whole room at once: one read and one write,
   * see `mutateMany`); returns those it paused, and those it left running at a bound with the
   * bound's code (`pauses_exhausted`, `controls_exhausted`).
   */
  async function pause(
    actor: Actor,
    attemptIds: string[],
    reason: string,
    uow: UnitOfWork,
  ): Promise<AttemptsOutcome> {
    // A seat at a bound is left out of a room's pause (the rest of the room is paused) and named
    // with its own code, so the proctor is not told it was in the wrong state; a pause that
    // reaches none but such seats is refused with the first one's code. Keyed by seat: a seat whose
    // update missed is decided again on a fresh read, which has the last word.
    const bound = new Map<string, "pauses_exhausted" | "controls_exhausted">();
    const changed = await store.mutateMany(
      attemptIds,
      (doc, at) => {
        if (doc.status !== "in_progress" || doc.pausedAt) return null;
        if ((doc.pauses ?? []).length >= MAX_PAUSES) {
          bound.set(doc._id, "pauses_exhausted");
          return null;
        }
        if (controlsSpent(doc)) {
          bound.set(doc._id, "controls_exhausted");
          return null;
        }
        bound.delete(doc._id);
        return {
          filter: { status: "in_progress", pausedAt: null },
          // The whole list, not a push: the seat's clock is then pushed from the update's own
          // result, with no read per seat (the filter restates the chain head, so it is as read).
          // The budget was checked just above (a spent seat is skipped, not refused).
          set: {
            pausedAt: at,
            pauses: [...(doc.pauses ?? []), { from: at, to: null }],
            controlEvents: nextControl(doc, false),
          },
          event: { type: "pause", data: { by: actor.id, reason } },
        };
      },
      uow.session,
    );
    const paused = changed.filter((m) => m.event);
    const skipped = [...bound].map(([attemptId, code]) => ({ attemptId, code }));
    const first = skipped[0];
    if (paused.length === 0 && first?.code === "pauses_exhausted")
      throw errors.conflict(
        "pauses_exhausted",
        `该考生已被暂停 ${MAX_PAUSES} 次，不能再暂停，请登记事件并联系考务人员`,
        { skipped },
      );
    if (paused.length === 0 && first) throw controlsExhausted({ skipped });
    uow.afterCommit(async () => {
      for (const m of paused) await seats.emitClock(m.before._id, `监考员暂停考试：${reason}`, m.after);
    });
    return { affected: paused.map((m) => m.before._id), skipped };
  }

  /**
   * Resumes the paused attempts among `attemptIds` (one read and one write for the room): each
   * pause is added to its clock, so it never costs the candidate time. Returns those it resumed.
   */
  async function resume(actor: Actor, attemptIds: string[], uow: UnitOfWork): Promise<string[]> {
    const changed = await store.mutateMany(
      attemptIds,
      (doc, at) => {
        if (doc.status !== "in_progress" || !doc.pausedAt) return null;
        const pausedMs = (doc.pausedMs ?? 0) + Math.max(0, at.getTime() - doc.pausedAt.getTime());
        const deadline = computeDeadline({ ...clockParts(doc), pausedMs, pausedAt: null });
        // The open pause is closed (the filter restates the pause read, so the list is as read).
        const pauses = (doc.pauses ?? []).map((p) => (p.to === null ? { from: p.from, to: at } : p));
        return {
          filter: { status: "in_progress", pausedAt: doc.pausedAt },
          set: { pausedAt: null, pausedMs, deadline, pauses, controlEvents: nextControl(doc, false) },
          event: { type: "resume", data: { by: actor.id, pausedMs } },
        };
      },
      uow.session,
    );
    const resumed = changed.filter((m) => m.event);
    // The deadlines grew by the pause: the room stays booked until the latest, per session, held in
    // the resume's own transaction so it commits with the resume (and its audit entry) or not at
    // all; a hold that fails refuses the resume rather than leave clocks past the booking.
    const bySession = new Map<string, Date[]>();
    for (const m of resumed) {
      const deadline = m.after?.deadline;
      if (deadline)
        bySession.set(m.before.sessionId, [...(bySession.get(m.before.sessionId) ?? []), deadline]);
    }
    for (const [sessionId, deadlines] of bySession) await holdRoom(core, sessionId, deadlines, uow.session);
    uow.afterCommit(async () => {
      for (const m of resumed) await seats.emitClock(m.before._id, "考试已恢复", m.after);
    });
    return resumed.map((m) => m.before._id);
  }

  /**
   * The deadline an extension gives the attempt at the earliest, which the room must be free until.
   * Before release the attempt has none yet: it starts no earlier than now and the session's start.
   * While paused the stored deadline leaves the pause so far out, which resuming adds.
   */
  async function projectedDeadline(doc: AttemptLean, minutes: number, at: Date): Promise<Date | null> {
    const parts = clockParts(doc);
    let startedAt = parts.startedAt;
    if (!startedAt) {
      const session = await deps.scheduling.getSession(doc.sessionId);
      const startsAt = session ? new Date(session.startsAt).getTime() : 0;
      startedAt = new Date(Math.max(at.getTime(), startsAt));
    }
    const running = parts.pausedAt ? Math.max(0, at.getTime() - parts.pausedAt.getTime()) : 0;
    return computeDeadline({
      ...parts,
      startedAt,
      creditedMinutes: parts.creditedMinutes + minutes,
      pausedMs: parts.pausedMs + running,
      pausedAt: null,
    });
  }

  /**
   * Adds minutes to an attempt's clock (extension or outage credit). With `approvalMinutes` (an
   * extension one proctor gives alone) the candidate's extra time in all (credited and
   * accommodation) must stay below it, judged on the attempt as this transaction reads it: two
   * requests that each looked below it before either was credited would otherwise both be given
   * (refused with `approval_required`, and nothing written).
   */
  async function credit(
    actor: Actor,
    attemptId: string,
    minutes: number,
    reason: string,
    kind: "extend" | "credit",
    uow: UnitOfWork,
    extra: Record<string, unknown> = {},
    approvalMinutes?: number,
  ): Promise<boolean> {
    const res = await store.mutate(
      attemptId,
      (doc) => {
        if (!OPEN.includes(doc.status)) return null;
        const extraMinutes = (doc.creditedMinutes ?? 0) + (doc.accommodationMinutes ?? 0) + minutes;
        if (approvalMinutes !== undefined && extraMinutes >= approvalMinutes)
          throw errors.conflict("approval_required", `延时累计达到 ${approvalMinutes} 分钟，须由第二人批准`);
        const creditedMinutes = (doc.creditedMinutes ?? 0) + minutes;
        const deadline = computeDeadline({ ...clockParts(doc), creditedMinutes });
        // An outage credit (given at once or approved) is owed time: counted, never refused at the
        // budget (no extension could give it then either); bounded by the drops it credits.
        return {
          filter: { status: doc.status },
          set: { creditedMinutes, deadline, controlEvents: nextControl(doc, kind !== "credit") },
          event: { type: kind, data: { by: actor.id, minutes, reason, ...extra } },
        };
      },
      { session: uow.session },
    );
    if (!res.event) return false;
    // The room's booking grows in the credit's own transaction, to the deadline the credit gives at
    // the earliest (before release and while paused the stored one falls short): it commits with
    // the credit (and its audit entry) or not at all. An extension is a choice and may wait:
    // refused when the room is booked for the next session by then, which aborts the credit just
    // written. Outage credit is owed to the candidate: granted, and an overrun is flagged and
    // logged (holdRoom).
    const roomUntil = await projectedDeadline(res.before, minutes, res.at);
    if (kind === "extend") {
      if (
        roomUntil &&
        !(await deps.scheduling.holdRoomUntil(res.before.sessionId, roomUntil, false, uow.session))
      )
        throw errors.conflict("room_booked", `延长 ${minutes} 分钟后将占用本考场已安排给其他场次的时间`);
    } else if (roomUntil) await holdRoom(core, res.before.sessionId, [roomUntil], uow.session);
    uow.afterCommit(async () => {
      await seats.emitClock(
        attemptId,
        kind === "extend" ? `延长考试时间 ${minutes} 分钟：${reason}` : `断线补时 ${minutes} 分钟：${reason}`,
      );
    });
    return true;
  }

  /** Voids an attempt for misconduct (违纪): closed without a result, never counted as a pass. */
  async function voidAttempt(
    actor: Actor,
    attemptId: string,
    note: string,
    uow: UnitOfWork,
  ): Promise<boolean> {
    const res = await store.mutate(
      attemptId,
      (doc, at) =>
        doc.status === "voided" || doc.status === "submitting"
          ? null
          : {
              filter: { status: doc.status },
              set: {
                status: "voided",
                voidedAt: at,
                voidNote: note,
                closeReason: "voided",
                pendingExtensions: [],
              },
              event: { type: "void", data: { by: actor.id, note, previous: doc.status } },
            },
      { session: uow.session },
    );
    if (!res.event) return false;
    const version = res.event.n;
    // Read again in this transaction: a publication committed since the desk's check made the
    // result official, and a void now would leave an official pass beside a voided attempt
    // (certificates issue on the official pass). Publication and void write the same audit head,
    // so the later of two racing ones runs again and reads the other.
    const locked = () => errors.conflict("results_locked", "本场次成绩已发布并锁定");
    if (await results.isPublished(res.before.sessionId, uow.session)) throw locked();
    const dropped = await results.dropProvisional(attemptId, uow.session);
    if (res.before.status === "submitted" && !dropped) throw locked();
    // A pass handed in is taken back: its pending issuance and the hub's record of it learn so,
    // from the very event that announced the pass (read in this transaction; none: no pass).
    const passed = await outboxModel(core.ctx.conn)
      .findOne({ key: passEventKey(attemptId) }, { payload: 1 })
      .session(uow.session)
      .lean<{ payload: DomainEvents["exam.passed"] }>();
    const tookBackPass = passed !== null;
    if (passed)
      await enqueueEvent(
        core.ctx.conn,
        uow.session,
        "exam.voided",
        { pass: passed.payload, note, voidedAt: res.at.toISOString() },
        `exam.voided:${attemptId}`,
      );
    uow.afterCommit(() => {
      if (tookBackPass) deps.onOutbox?.();
      deps.notifier.toRoom(
        rooms.attempt(attemptId),
        "attempt:closed",
        toVoidedClosed(attemptId, res.before.categoryCode, version, now()),
      );
      seats.seat(attemptId);
    });
    return true;
  }

  return {
    pause,
    resume,
    credit,
    ...createPendingExtensions(core),
    forceSubmit: (actor: Actor, attemptId: string, uow: UnitOfWork) => close(attemptId, actor, uow),
    voidAttempt,
  };
}
