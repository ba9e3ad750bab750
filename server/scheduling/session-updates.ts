import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import {
  CANCELLATION_WITH_CHANGES,
  cancelsWithChanges,
  type BlueprintRef,
  type ExamSessionDto,
  type UpdateSessionBody,
} from "../contracts/scheduling.js";
import { errors, type AppError } from "../lib/errors.js";
import { bookedUntilOf } from "./room-booking.js";
import { toSessionDto, type SessionLean } from "./presenters.js";
import type { RetakeSession, SchedulingCore } from "./scheduling-core.js";

/** How many refused candidates a refusal's message names (its details list every one). */
const NAMED_IN_MESSAGE = 5;

/** A seated candidate the retake policy refuses at the session's new time, and why. */
interface RetakeRefusal {
  candidateId: string;
  name: string;
  code: string;
  message: string;
}

/** The retake policy's refusals, by candidate id (those it lets through are absent). */
type Verdicts = ReadonlyMap<string, { code: string; message: string }>;

const sameBlueprint = (a: BlueprintRef | null, b: BlueprintRef | null) =>
  a === b || (!!a && !!b && a.id === b.id && a.version === b.version);

/** Whether every field of a session's change holds what the session has already. */
function unchanged(s: SessionLean, set: Record<string, unknown>): boolean {
  return Object.entries(set).every(([key, to]) => {
    const from = (s as unknown as Record<string, unknown>)[key] ?? null;
    return to instanceof Date && from instanceof Date ? to.getTime() === from.getTime() : to === from;
  });
}

/**
 * Changing a session (场次): a new time or length, new rules, or a cancellation, with its audit
 * entry in one transaction. Kept apart from the scheduling facade (scheduling.service.ts) so that
 * file stays within the size limit.
 */
export function createSessionUpdates(core: SchedulingCore) {
  const {
    options,
    Sessions,
    Assignments,
    audit,
    now,
    booking,
    reserve,
    loadForWrite,
    overlappingSeats,
    timeClash,
  } = core;

  /**
   * The retake policy's refusals (already passed, retake wait) of `candidateIds` for `session`, in
   * one ask: they were judged on the start they were seated for, and the check-in judges them again
   * on the start the session has then, so a moved session would seat people the door turns away.
   * Without the port the node judges no retakes at all: the core refuses one port without the other.
   */
  async function retakeVerdicts(candidateIds: string[], session: RetakeSession): Promise<Verdicts> {
    if (candidateIds.length === 0 || !options.retakeBlockersOf) return new Map();
    return options.retakeBlockersOf(candidateIds, session);
  }

  /** `seated_candidates_refused`, naming the first few candidates with the policy's reason each. */
  function refusedSeated(refusals: RetakeRefusal[]): AppError {
    const named = refusals.slice(0, NAMED_IN_MESSAGE).map((r) => `${r.name}（${r.message}）`);
    const more = refusals.length > named.length ? `等 ${refusals.length} 名考生` : "";
    return errors.conflict(
      "seated_candidates_refused",
      `考生${named.join("；")}${more}不能参加新时间的考试，请先取消其座位再修改开考时间`,
      { candidates: refusals.map(({ candidateId, name, code }) => ({ candidateId, name, code })) },
    );
  }

  return {
    async updateSession(actor: AuthUser, id: string, body: UpdateSessionBody): Promise<ExamSessionDto> {
      const cancelling = body.status === "cancelled";
      // The contract refuses it at the edge; a caller that skips the contract is refused here.
      if (cancelsWithChanges(body))
        throw errors.badRequest("cancellation_with_changes", CANCELLATION_WITH_CHANGES);
      const s = await loadForWrite(actor, id);
      if (s.status !== "scheduled") throw errors.conflict("session_cancelled", "该场次已取消");
      // A session that could not be held (the room lost power before the release) is still
      // cancelled after its start, so its candidates are not published as 缺考; whether anything
      // ran (a release, an admission) is checked inside the transaction below.
      if (s.startsAt <= now() && !cancelling)
        throw errors.conflict("session_started", "场次已开考，不能修改");
      const set: Record<string, unknown> = {};
      const startsAt = body.startsAt ? new Date(body.startsAt) : s.startsAt;
      const duration = body.durationMinutes ?? s.durationMinutes;
      if (body.startsAt && startsAt <= now())
        throw errors.badRequest("starts_in_past", "开考时间须晚于当前时间");
      const lateEntryMinutes = body.lateEntryMinutes ?? s.lateEntryMinutes;
      const endsAt = new Date(startsAt.getTime() + duration * 60_000);
      if (body.startsAt || body.durationMinutes || body.lateEntryMinutes !== undefined) {
        const bookedUntil = bookedUntilOf({ startsAt, lateEntryMinutes, durationMinutes: duration }, reserve);
        // The booking is checked anew below (reserve): once accepted it overlaps no other session,
        // including one whose owed time ran into the old slot, so that warning no longer holds.
        Object.assign(set, { startsAt, durationMinutes: duration, endsAt, bookedUntil, overrunBy: null });
      }
      if (body.lateEntryMinutes !== undefined) set.lateEntryMinutes = body.lateEntryMinutes;
      if (body.earliestHandInMinutes !== undefined) set.earliestHandInMinutes = body.earliestHandInMinutes;
      if (body.status === "cancelled") set.status = "cancelled";
      // A change that changes nothing writes nothing (no entry, no write of the seats, which would
      // conflict with the room's check-ins) and answers the session as it stands.
      if (unchanged(s, set)) return toSessionDto(s, now());
      const moved = set.status !== "cancelled" && startsAt.getTime() !== s.startsAt.getTime();
      // A new time or length books the room anew, checked and written under the room's lock.
      const rebooked = set.bookedUntil instanceof Date ? set.bookedUntil : null;
      if (rebooked) await booking.ensureLock(s.roomId);
      // The retake policy on the new start, asked before the transaction for everyone seated now:
      // the audit transaction queues the node's other audited changes, and the policy's reads
      // (attempts, blueprint) take nothing from its snapshot. Its refusal is raised inside, where
      // the other checks come first; a candidate seated since (or a blueprint pinned since) is
      // asked there. An attempt finished meanwhile is judged again at the check-in, as always.
      const retakeAt: RetakeSession = {
        categoryCode: s.categoryCode as CategoryCode,
        startsAt,
        blueprint: s.blueprint ?? null,
      };
      const askedBefore = moved
        ? (
            await Assignments.find({ sessionId: id }, { candidateId: 1, _id: 0 }).lean<
              { candidateId: string }[]
            >()
          ).map((a) => a.candidateId)
        : [];
      const verdictsBefore = await retakeVerdicts(askedBefore, retakeAt);
      const updated = await audit.transaction(async (session) => {
        if (rebooked) await booking.reserve(session, s.roomId, startsAt, rebooked, id);
        // Conditional on the session as read above: a change racing a cancellation must not land
        // on the cancelled session (nor a cancellation twice), and the times and rules this change
        // keeps from the read must still be the session's, or it would undo another officer's.
        const doc = await Sessions.findOneAndUpdate(
          {
            _id: id,
            status: "scheduled",
            startsAt: s.startsAt,
            durationMinutes: s.durationMinutes,
            lateEntryMinutes: s.lateEntryMinutes,
          },
          { $set: set },
          { returnDocument: "after", session },
        ).lean();
        if (!doc) {
          const live = await Sessions.findById(id, { status: 1 }).session(session).lean();
          throw live?.status === "scheduled"
            ? errors.conflict("session_changed", "该场次刚被其他人修改，请刷新后重试")
            : errors.conflict("session_cancelled", "该场次已取消");
        }
        // Attempts copied the times and rules at check-in and run from the release: a change
        // after either would leave them on the old ones (a cancelled session still graded).
        if (set.status === "cancelled") {
          if (doc.releasedAt)
            throw errors.conflict(
              "session_released",
              "本场次已发卷开考，不能取消；请由监考员处理在考考生（强制交卷或作废）",
            );
          // After the start a cancellation is for a session that was never held: once anyone was
          // admitted the proctor's record of the room stands (缺考 or 作废 per candidate).
          if (
            doc.startsAt <= now() &&
            (await Assignments.exists({ sessionId: id, admittedAt: { $ne: null } }).session(session))
          )
            throw errors.conflict(
              "session_admitted",
              "本场次已开考且已有考生入场核验，不能取消；请由监考员处理在场考生",
            );
          // Results published (every seated candidate officially 缺考) stand: cancelling would leave
          // official results on a session recorded as never held. Read in the retried transaction,
          // so a publication committed meanwhile is seen (both write the audit chain's head).
          if ((await options.publishedAmong?.([id]))?.has(id))
            throw errors.conflict("results_published", "本场次成绩已发布，不能取消");
        } else if (await Assignments.exists({ sessionId: id, admittedAt: { $ne: null } }).session(session))
          throw errors.conflict("session_admitted", "已有考生入场核验，本场次的时间和规则不能再修改");
        if (set.endsAt) {
          // A new time must not put a seated candidate in two rooms at once (a seat elsewhere
          // overlapping it); refused before anything of the move commits. A seating racing the
          // move cannot slip past on its older snapshot: both write the audit chain's head, so
          // one is retried and reads the other.
          const seated = await Assignments.find({ sessionId: id }, { candidateId: 1, name: 1, _id: 0 })
            .session(session)
            .lean<{ candidateId: string; name: string }[]>();
          const clashing = timeClash(
            await overlappingSeats(
              seated.map((a) => a.candidateId),
              id,
              startsAt,
              endsAt,
            ).session(session),
            "session",
          );
          if (clashing) throw clashing;
          // The retake policy on the new start, for everyone seated (the same seats as above).
          if (moved) {
            const blueprint = (doc as SessionLean).blueprint ?? null;
            const stillValid = sameBlueprint(blueprint, retakeAt.blueprint);
            const asked = new Set(stillValid ? askedBefore : []);
            const verdicts = new Map(stillValid ? verdictsBefore : []);
            const unasked = seated.filter((c) => !asked.has(c.candidateId)).map((c) => c.candidateId);
            for (const [candidateId, v] of await retakeVerdicts(unasked, { ...retakeAt, blueprint }))
              verdicts.set(candidateId, v);
            const refusals = seated.flatMap((c): RetakeRefusal[] => {
              const v = verdicts.get(c.candidateId);
              return v ? [{ ...c, code: v.code, message: v.message }] : [];
            });
            if (refusals.length > 0) throw refusedSeated(refusals);
          }
        }
        // Every change (a cancellation, a new time, new rules) writes the session's seats, which is
        // what a check-in in flight claims (`claimSeat`): the two conflict and the one retried
        // sees the other's outcome.
        // One $set: two spread into the update, the second replaced the first (seats kept old times).
        const seatSet = {
          ...(set.endsAt ? { startsAt, endsAt } : {}),
          ...(set.status === "cancelled" ? { sessionCancelled: true } : {}),
        };
        await Assignments.updateMany(
          { sessionId: id },
          { $inc: { admissions: 1 }, ...(Object.keys(seatSet).length > 0 ? { $set: seatSet } : {}) },
          { session },
        );
        await audit.append(session, {
          action: body.status === "cancelled" ? "session.cancelled" : "session.updated",
          actor,
          divisionCode: doc.divisionCode,
          target: { type: "exam_session", id },
          details: { ...body },
        });
        return doc as SessionLean;
      });
      return toSessionDto(updated, now());
    },
  };
}
