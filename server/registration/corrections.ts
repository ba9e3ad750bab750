import { Types, type ClientSession, type Model } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type { CorrectCandidateBody, Education, LicenceClass } from "../contracts/registration.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { isKnownDivision } from "../organisation/index.js";
import type { CandidateDoc } from "./candidate.model.js";
import { assertNotSeated } from "./seat-refusal.js";
import { recheckCorrectedFacts, type Applicant, type EligibilityRule } from "./eligibility.js";
import { assertNamePrintable } from "../certificates/index.js";

const CORRECTABLE_FIELDS = [
  "name",
  "phone",
  "addressDivisionCode",
  "education",
  "licenceClass",
  "licenceFirstIssuedOn",
] as const;
type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];
/** The fields the eligibility rules read: correcting one checks the categories again. */
const FACT_FIELDS: readonly CorrectableField[] = ["education", "licenceClass", "licenceFirstIssuedOn"];

/**
 * Scheduling's answer: does the candidate hold a seat in a session that has not ended, or are they
 * still sitting one past its nominal end (`sittingUntil`, exam delivery's answer: extra time, a
 * pause)? Read inside `session` when given (a withdrawal asks inside its own transaction).
 */
export type OpenSeatPort = (candidateId: string, session?: ClientSession) => Promise<OpenSeat | null>;

/** The seat that holds a candidate: its session's start, and (when scheduling names them) its id, centre and room. */
export interface OpenSeat {
  sessionStartsAt: Date;
  sittingUntil?: Date | null;
  sessionId?: string;
  testCentreName?: string;
  roomName?: string;
}

/**
 * Correcting and withdrawing a registration (更正 / 撤销报名). A candidate who holds a seat in a
 * session that has not ended is neither renamed nor withdrawn: the ticket and the proctor's list
 * carry the name, and a withdrawn candidate must not sit. The officer unseats them first. A
 * corrected licence or education is checked against every category applied for.
 * Every change is one transaction with its audit entry, which names the candidate and what changed.
 */
export function createCorrections(d: {
  Candidates: Model<CandidateDoc>;
  audit: AuditLog;
  openSeat: () => OpenSeatPort | undefined;
  rules: Record<CategoryCode, EligibilityRule[]>;
  now: () => Date;
  /** Today in the node's time zone (see calendarDay). */
  today: () => Date;
  /** The node's time zone (config.timeZone): a refusal names the session's start in it. */
  timeZone: string;
  /** The registration service's read of one registration within the actor's divisions (else 404). */
  loadInScope: (actor: AuthUser, id: string) => Promise<CandidateDoc & { _id: Types.ObjectId }>;
}) {
  async function load(actor: AuthUser, id: string) {
    const c = await d.loadInScope(actor, id);
    if (c.withdrawnAt) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名");
    return c;
  }

  /**
   * A corrected licence or education must still meet the licence and education rules of every
   * category applied for (an upgrade from C1 to B2 does; a mistyped class may not).
   */
  function assertStillEligible(
    c: CandidateDoc,
    changes: Partial<Record<CorrectableField, { to: string | null }>>,
  ) {
    const after = (k: CorrectableField) => (changes[k] ? changes[k].to : (c[k] ?? null)) ?? undefined;
    const applicant: Applicant = {
      birthDate: c.birthDate,
      education: after("education") as Education | undefined,
      licenceClass: after("licenceClass") as LicenceClass | undefined,
      licenceFirstIssuedOn: after("licenceFirstIssuedOn"),
      heldQualifications: [],
      declarations: {},
    };
    const results = (c.categories as CategoryCode[]).map((k) =>
      recheckCorrectedFacts(k, applicant, d.rules, d.today()),
    );
    const refused = results.filter((r) => !r.eligible);
    if (refused.length > 0)
      throw errors.unprocessable(
        "not_eligible",
        `更正后不符合已报考类别的条件：${refused
          .map((r) => `${CATEGORIES[r.categoryCode]}（${r.failures.map((f) => f.message).join("；")}）`)
          .join("；")}`,
        { eligibility: results },
      );
  }

  return {
    async correct(actor: AuthUser, id: string, body: CorrectCandidateBody): Promise<void> {
      const c = await load(actor, id);
      if (body.addressDivisionCode && !isKnownDivision(body.addressDivisionCode))
        throw errors.badRequest("unknown_division", `行政区划代码 ${body.addressDivisionCode} 不存在`);
      if (body.name !== undefined && body.name !== c.name) {
        // Printed on the ticket, the seating plan and the certificate: refused now, not at issuance.
        assertNamePrintable(body.name);
        await assertNotSeated(d.openSeat(), id, "更正姓名", d.timeZone);
      }
      const changes: Partial<Record<CorrectableField, { from: string | null; to: string | null }>> = {};
      for (const key of CORRECTABLE_FIELDS) {
        const to = body[key];
        const from = c[key] ?? null;
        if (to !== undefined && to !== from) changes[key] = { from, to };
      }
      const changed = Object.keys(changes) as CorrectableField[];
      if (changed.length === 0) return;
      const factsChanged = changed.some((k) => FACT_FIELDS.includes(k));
      if (factsChanged) assertStillEligible(c, changes);

      const $set: Record<string, string> = {};
      const $unset: Record<string, ""> = {};
      for (const k of changed) {
        const to = changes[k]?.to ?? null;
        if (to === null) $unset[k] = "";
        else $set[k] = to;
      }
      await d.audit.transaction(async (session) => {
        // Only while each corrected field still holds what was read, and, when the categories were
        // checked again, while they are the ones checked: a change in between is refused, not
        // overwritten (a category applied for meanwhile was checked against the old licence).
        const written = await d.Candidates.updateOne(
          {
            _id: c._id,
            withdrawnAt: null,
            ...Object.fromEntries(changed.map((k) => [k, changes[k]?.from ?? null])),
            ...(factsChanged ? { categories: [...c.categories] } : {}),
          },
          {
            ...(Object.keys($set).length ? { $set } : {}),
            ...(Object.keys($unset).length ? { $unset } : {}),
          },
          { session },
        );
        if (written.matchedCount !== 1)
          throw errors.conflict("candidate_changed", "该考生的报名信息刚被修改，请刷新后重试");
        // Again after the write, inside the transaction: a seating that committed after the check
        // above printed the old name on the ticket. A seating claims this candidate's document in
        // its own transaction, so one racing this write conflicts, and the retry sees its seat.
        if (changes.name) await assertNotSeated(d.openSeat(), id, "更正姓名", d.timeZone, session);
        await d.audit.append(session, {
          action: "candidate.updated",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "candidate", id },
          details: {
            candidateName: changes.name?.to ?? c.name,
            changed,
            ...flatten(changes as Record<string, { from: unknown; to: unknown }>),
          },
        });
      });
    },

    async withdraw(actor: AuthUser, id: string, reason: string): Promise<void> {
      const c = await load(actor, id);
      await assertNotSeated(d.openSeat(), id, "撤销报名", d.timeZone);
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
        await assertNotSeated(d.openSeat(), id, "撤销报名", d.timeZone, session);
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
