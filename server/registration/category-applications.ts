import type { Types, Model } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type {
  ApplyForCategoriesBody,
  EligibilityDto,
  Education,
  LicenceClass,
} from "../contracts/registration.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { calendarDateText } from "../contracts/calendar-text.js";
import type { CandidateDoc } from "./candidate.model.js";
import { evaluateEligibility, type Applicant, type EligibilityRule } from "./eligibility.js";

type Held = { categoryCode: CategoryCode; firstIssuedOn: string };

/**
 * Applying for more categories (报考新类别) on an existing registration: one registration per person
 * per province, so a passenger driver who wants the dangerous-goods category two years later, or an
 * escort who has since obtained a licence and wants to drive, applies here. The new categories are
 * checked with the same rules as a registration, on the facts recorded plus what the officer adds
 * (a licence when none is recorded, held qualifications, today's declarations); the categories
 * applied for before are left as they are. One transaction with its audit entry.
 */
export function createCategoryApplications(d: {
  Candidates: Model<CandidateDoc>;
  audit: AuditLog;
  rules: Record<CategoryCode, EligibilityRule[]>;
  /** Today in the node's time zone (see calendarDay). */
  today: () => Date;
  /**
   * What the person holds: the declared plus what this node certified. Read whole: the registration
   * is the officer's (loadInScope), and so are its holder's certificates, whichever division's
   * session certified them.
   */
  heldOf: (idNumber: string, declared: Held[]) => Promise<Held[]>;
  /** The registration service's read of one registration within the actor's divisions (else 404). */
  loadInScope: (actor: AuthUser, id: string) => Promise<CandidateDoc & { _id: Types.ObjectId }>;
}) {
  return {
    async applyForCategories(actor: AuthUser, id: string, body: ApplyForCategoriesBody): Promise<void> {
      const c = await d.loadInScope(actor, id);
      if (c.withdrawnAt) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名");
      const wanted = [...new Set(body.categories)];
      const before = c.categories as CategoryCode[];
      const again = wanted.filter((k) => before.includes(k));
      if (again.length > 0)
        throw errors.conflict(
          "category_already_applied",
          `该考生已报考：${again.map((k) => CATEGORIES[k]).join("、")}`,
        );
      const recorded = c.licenceClass
        ? { licenceClass: c.licenceClass as LicenceClass, licenceFirstIssuedOn: c.licenceFirstIssuedOn ?? "" }
        : null;
      const given = body.licenceClass
        ? { licenceClass: body.licenceClass, licenceFirstIssuedOn: body.licenceFirstIssuedOn ?? "" }
        : null;
      // A recorded licence is the registration's fact: a different one here would silently change
      // what the categories applied for before were checked against.
      const differs =
        recorded &&
        given &&
        (recorded.licenceClass !== given.licenceClass ||
          recorded.licenceFirstIssuedOn !== given.licenceFirstIssuedOn);
      if (differs)
        throw errors.conflict(
          "licence_recorded",
          `该考生已登记驾驶证（${recorded.licenceClass}，${calendarDateText(recorded.licenceFirstIssuedOn)}），不能在报考新类别时更改`,
        );
      // A qualification recorded as held keeps its day: another day here would be checked against
      // the rules but not stored (the same category twice), so it is refused, not passed over.
      const recordedHeld = c.heldQualifications as Held[];
      const newlyHeld: Held[] = [];
      for (const h of body.heldQualifications) {
        const known = [...recordedHeld, ...newlyHeld].find((x) => x.categoryCode === h.categoryCode);
        if (!known) newlyHeld.push(h);
        else if (known.firstIssuedOn !== h.firstIssuedOn)
          throw errors.conflict(
            "held_qualification_recorded",
            `已持资格“${CATEGORIES[h.categoryCode]}”的初领日期 ${calendarDateText(h.firstIssuedOn)} 与已有的 ${calendarDateText(known.firstIssuedOn)} 不符，请核对`,
          );
      }
      const declared = [...recordedHeld, ...newlyHeld];
      const applicant: Applicant = {
        birthDate: c.birthDate,
        education: c.education as Education,
        ...(recorded ?? given ?? {}),
        heldQualifications: await d.heldOf(c.idNumber, declared),
        declarations: body.declarations,
      };
      const results: EligibilityDto[] = wanted.map((k) =>
        evaluateEligibility(k, applicant, d.rules, d.today()),
      );
      const refused = results.filter((r) => !r.eligible);
      if (refused.length > 0) {
        const summary = refused.map((r) => r.failures.map((f) => f.message).join("；")).join("；");
        throw errors.unprocessable("not_eligible", `不符合报考条件：${summary}`, { eligibility: results });
      }

      const addedLicence = !recorded && given ? given : null;
      await d.audit.transaction(async (session) => {
        // Only while the registration is as read: not withdrawn, none of the categories applied for
        // since, none of the qualifications added here recorded since (another application's day
        // for one would be pushed beside this one's: one category held twice), and the licence and
        // education the rules were checked on not corrected since; a change in between is refused,
        // not overwritten.
        const written = await d.Candidates.updateOne(
          {
            _id: c._id,
            withdrawnAt: null,
            categories: { $nin: wanted },
            ...(newlyHeld.length > 0
              ? { "heldQualifications.categoryCode": { $nin: newlyHeld.map((h) => h.categoryCode) } }
              : {}),
            education: c.education,
            licenceClass: c.licenceClass ?? null,
            licenceFirstIssuedOn: c.licenceFirstIssuedOn ?? null,
          },
          {
            $push: { categories: { $each: wanted }, heldQualifications: { $each: newlyHeld } },
            $set: {
              // Each key on its own (DeclarationKey names only): a copy of the map as read here
              // dropped what another category's application declared meanwhile.
              ...Object.fromEntries(Object.entries(body.declarations).map(([k, v]) => [`declarations.${k}`, v])),
              ...(addedLicence ?? {}),
            },
          },
          { session },
        );
        if (written.matchedCount !== 1)
          throw errors.conflict("candidate_changed", "该考生的报名信息刚被修改，请刷新后重试");
        await d.audit.append(session, {
          action: "candidate.categories_added",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "candidate", id: String(c._id) },
          details: {
            candidateName: c.name,
            categories: wanted,
            ...(addedLicence ? { licenceAdded: addedLicence.licenceClass } : {}),
          },
        });
      });
    },
  };
}
