import { Types, type ClientSession, type Model } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CorrectCandidateBody } from "../contracts/registration.js";
import { canSeeDivision } from "../access/index.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { isKnownDivision } from "../organisation/index.js";
import type { CandidateDoc } from "./candidate.model.js";

/**
 * Scheduling's answer: does the candidate hold a seat in a session that has not ended? Read inside
 * `session` when given (a withdrawal asks inside its own transaction).
 */
export type OpenSeatPort = (
  candidateId: string,
  session?: ClientSession,
) => Promise<{ sessionStartsAt: Date } | null>;

/**
 * Correcting and withdrawing a registration (更正 / 撤销报名). A candidate who holds a seat in a
 * session that has not ended is neither renamed nor withdrawn: the ticket and the proctor's list
 * carry the name, and a withdrawn candidate must not sit. The officer unseats them first.
 * Every change is one transaction with its audit entry, which names the candidate and what changed.
 */
export function createCorrections(d: {
  Candidates: Model<CandidateDoc>;
  audit: AuditLog;
  openSeat: () => OpenSeatPort | undefined;
  now: () => Date;
}) {
  async function load(actor: AuthUser, id: string) {
    const c = Types.ObjectId.isValid(id) ? await d.Candidates.findById(id) : null;
    if (!c || !canSeeDivision(actor.divisionCode, c.divisionCode)) throw errors.notFound("考生");
    if (c.withdrawnAt) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名");
    return c;
  }

  async function assertNotSeated(candidateId: string, what: string, session?: ClientSession): Promise<void> {
    const seat = await d.openSeat()?.(candidateId, session);
    if (seat)
      throw errors.conflict("candidate_seated", `该考生已安排在未结束的考试场次，请先取消座位安排再${what}`);
  }

  return {
    async correct(actor: AuthUser, id: string, body: CorrectCandidateBody): Promise<void> {
      const c = await load(actor, id);
      if (body.addressDivisionCode && !isKnownDivision(body.addressDivisionCode))
        throw errors.badRequest("unknown_division", `行政区划代码 ${body.addressDivisionCode} 不存在`);
      if (body.name !== undefined && body.name !== c.name) await assertNotSeated(id, "更正姓名");
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const key of ["name", "phone", "addressDivisionCode"] as const) {
        const to = body[key];
        if (to !== undefined && to !== c[key]) {
          changes[key] = { from: c[key], to };
          c[key] = to;
        }
      }
      if (Object.keys(changes).length === 0) return;
      await d.audit.transaction(async (session) => {
        await c.save({ session });
        await d.audit.append(session, {
          action: "candidate.updated",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "candidate", id },
          details: { candidateName: c.name, changed: Object.keys(changes), ...flatten(changes) },
        });
      });
    },

    async withdraw(actor: AuthUser, id: string, reason: string): Promise<void> {
      const c = await load(actor, id);
      await assertNotSeated(id, "撤销报名");
      const at = d.now();
      await d.audit.transaction(async (session) => {
        // Written first, and only while still registered: a seating in flight (which claims the
        // candidate in its own transaction, see claimForSeating) now conflicts with this one...
        const written = await d.Candidates.updateOne(
          { _id: c._id, withdrawnAt: null },
          { $set: { withdrawnAt: at, withdrawReason: reason } },
          { session },
        );
        if (written.matchedCount !== 1) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名");
        // ...and one committed since the check above is seen here, in this transaction's snapshot.
        await assertNotSeated(id, "撤销报名", session);
        await d.audit.append(session, {
          action: "candidate.withdrawn",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "candidate", id },
          details: { candidateName: c.name, reason },
        });
      });
    },
  };
}

/** `{ phone: { from, to } }` → `{ phoneBefore, phone }` so the audit page shows both plainly. */
function flatten(changes: Record<string, { from: unknown; to: unknown }>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(changes).flatMap(([k, v]) => [
      [`${k}Before`, v.from],
      [k, v.to],
    ]),
  );
}
