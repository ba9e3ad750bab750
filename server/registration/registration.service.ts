import { z } from "zod";
import type { Connection } from "mongoose";
import { isCanonicalObjectId, type AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type {
  CandidateDto,
  EligibilityDto,
  PrecheckBody,
  PrecheckDto,
  RegisterCandidateBody,
} from "../contracts/registration.js";
import { canSeeDivision } from "../access/index.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { checkIdNumber } from "../lib/id-number.js";
import {
  assertDivisionInScope,
  assertNotGroupDivision,
  isKnownDivision,
  isPlausibleIdDivision,
} from "../organisation/index.js";
import { candidateModel, candidatePhotoModel } from "./candidate.model.js";
import { evaluateEligibility, type Applicant, type EligibilityRule } from "./eligibility.js";
import { DEFAULT_ELIGIBILITY_RULES } from "./eligibility-rules.data.js";
import { calendarDay } from "../lib/local-time.js";
import { decodePhoto } from "./photo.js";
import { createCorrections, type OpenSeatPort } from "./corrections.js";
import { createCategoryApplications } from "./category-applications.js";
import { createRegistrationImport, type QualificationsOfManyPort } from "./registration-import.service.js";
import { reopenable, writeRegistration } from "./registration-write.js";
import { toCandidateDto, type CandidateLean } from "./candidate.presenter.js";
import { createRegistrationReads } from "./registration-reads.js";
import { createPhotoUpdate } from "./photo-update.js";
import { assertNamePrintable } from "../certificates/index.js";
import { heldInScope, heldOnly, idNumberUnavailable, type CertifiedHeld, type Held } from "./held-scope.js";

/**
 * Qualifications a person already holds, with the certificate's division (the certificates feature
 * supplies them when present); each officer reads them through heldInScope.
 */
export type QualificationsPort = (idNumber: string) => Promise<CertifiedHeld[]>;

export interface RegistrationOptions {
  provinceCode: string | null;
  rules?: Record<CategoryCode, EligibilityRule[]>;
  qualificationsOf?: QualificationsPort;
  /** The same for many people in one ask (a bulk import's rows); without it, each is asked alone. */
  qualificationsOfMany?: QualificationsOfManyPort;
  /** Where registrations are audited, inside their own transaction (default: this database's log). */
  audit?: AuditLog;
  /** Scheduling's view of the candidate's seats (set once scheduling exists). */
  openSeat?: () => OpenSeatPort | undefined;
  /**
   * The node's time zone (config.timeZone): ages and licence years count on its calendar day.
   * Required: a China default counted them on Beijing's day on a node configured for another zone.
   */
  timeZone: string;
  now?: () => Date;
}

/** A registration's address as the form's field: a current division (refused in place otherwise). */
const CurrentAddress = z.object({
  addressDivisionCode: z.string().refine(isKnownDivision, "不是现行行政区划，请选择现住址所在区县"),
});

/**
 * The refusal for an ID number that is registered already (one registration per person in the
 * province). An officer who can see that registration is told so and where to find it; an officer
 * who cannot gets a neutral refusal that says neither that nor where the person is registered, as
 * an office counter would send them to the province, so registering cannot be used to probe
 * other cities' candidates (the precheck answers such a number as a free one).
 */
function alreadyRegistered(actor: AuthUser, prior: { _id: unknown; divisionCode: string }) {
  return canSeeDivision(actor.divisionCode, prior.divisionCode)
    ? errors.conflict("candidate_exists", "该身份证号码已报名；报考其他类别请在考生名单中使用“报考新类别”", {
        candidateId: String(prior._id),
      })
    : idNumberUnavailable();
}

/** Candidate registration (报名) by an officer: ID validation, eligibility, atomic photo storage. */
export function createRegistrationService(conn: Connection, options: RegistrationOptions) {
  // Checked here too for callers without the types (scripts run by tsx): an absent zone would count
  // days in the server process's own zone, silently.
  if (!options.timeZone)
    throw new Error("registration: options.timeZone (the node's config.timeZone) is required");
  const Candidates = candidateModel(conn);
  const Photos = candidatePhotoModel(conn);
  const audit = options.audit ?? createAuditService(conn);
  const rules = options.rules ?? DEFAULT_ELIGIBILITY_RULES;
  const now = options.now ?? (() => new Date());
  const today = () => calendarDay(now(), options.timeZone);

  const certified = async (idNumber: string | undefined): Promise<CertifiedHeld[]> =>
    idNumber && options.qualificationsOf ? await options.qualificationsOf(idNumber) : [];

  /**
   * What the officer declared plus what the node certified, as far as `actor` may see (heldInScope:
   * `registeredIn` is the person's registration on this node, if any).
   */
  async function heldOf(
    actor: AuthUser,
    idNumber: string | undefined,
    declared: Held[],
    registeredIn: string | undefined,
  ) {
    const scoped = heldInScope(actor, await certified(idNumber), registeredIn);
    return { held: [...declared, ...scoped.held], elsewhere: scoped.elsewhere };
  }

  async function loadInScope(actor: AuthUser, id: string): Promise<CandidateLean> {
    if (!isCanonicalObjectId(id)) throw errors.notFound("考生");
    const c = (await Candidates.findById(id).lean()) as CandidateLean | null;
    if (!c || !canSeeDivision(actor.divisionCode, c.divisionCode)) throw errors.notFound("考生");
    return c;
  }

  const corrections = createCorrections({
    Candidates,
    audit,
    openSeat: () => options.openSeat?.(),
    rules,
    now,
    today,
    timeZone: options.timeZone,
    loadInScope,
  });

  const applications = createCategoryApplications({
    Candidates,
    audit,
    rules,
    today,
    heldOf: async (idNumber, declared) => [...declared, ...(await certified(idNumber)).map(heldOnly)],
    loadInScope,
  });

  const bulk = createRegistrationImport({
    conn,
    Candidates,
    audit,
    provinceCode: options.provinceCode,
    rules,
    now,
    today,
    heldOf: certified,
    ...(options.qualificationsOfMany ? { heldOfMany: options.qualificationsOfMany } : {}),
    alreadyRegistered,
  });

  const reads = createRegistrationReads({ Candidates, Photos, loadInScope });
  const photos = createPhotoUpdate({
    Candidates,
    Photos,
    audit,
    openSeat: () => options.openSeat?.(),
    timeZone: options.timeZone,
    loadInScope,
  });

  return {
    ...corrections,
    ...applications,
    ...bulk,
    ...reads,
    ...photos,

    /**
     * Live validation: ID number problems, eligibility per category, and any existing registration
     * the officer may see. A registration outside the officer's division scope is answered exactly
     * as a free ID number, so the precheck cannot be used to probe who is registered elsewhere.
     */
    async precheck(actor: AuthUser, body: PrecheckBody): Promise<PrecheckDto> {
      let idResult: PrecheckDto["idNumber"] = null;
      let birthDate: string | undefined;
      let idNumber: string | undefined;
      if (body.idNumber) {
        const r = checkIdNumber(body.idNumber, { isKnownDivision: isPlausibleIdDivision, today: today() });
        if (r.ok) {
          birthDate = r.info.birthDate;
          idNumber = r.info.idNumber;
          const problems =
            body.sex && body.sex !== r.info.sex
              ? [{ code: "sex_mismatch", message: "性别与身份证号码不符" }]
              : [];
          idResult = { ok: problems.length === 0, problems, birthDate: r.info.birthDate, sex: r.info.sex };
        } else {
          idResult = { ok: false, problems: r.problems };
        }
      }
      const prior = idNumber
        ? await Candidates.findOne({ idNumber }, { _id: 1, divisionCode: 1, withdrawnAt: 1 }).lean()
        : null;
      const applicant: Applicant = {
        birthDate,
        education: body.education,
        licenceClass: body.licenceClass,
        licenceFirstIssuedOn: body.licenceFirstIssuedOn,
        // A person registered or certified elsewhere is answered as a free number (heldInScope).
        heldQualifications: (await heldOf(actor, idNumber, body.heldQualifications, prior?.divisionCode)).held,
        declarations: body.declarations,
      };
      const eligibility = body.categories.map((c) => evaluateEligibility(c, applicant, rules, today()));
      // A withdrawn registration is no obstacle: registering the person again reopens it, which
      // the form says before the officer submits.
      const existing = prior && canSeeDivision(actor.divisionCode, prior.divisionCode) ? prior : null;
      const withdrawn = Boolean(existing?.withdrawnAt);
      return {
        idNumber: idResult,
        eligibility,
        existingCandidateId: existing && !withdrawn ? String(existing._id) : null,
        reopensWithdrawn: withdrawn,
      };
    },

    /**
     * Registers a candidate with their photo. Refuses (422) with every failed ID check or
     * eligibility rule named; the photo and the candidate are written in one transaction, so a
     * failure leaves nothing behind. A withdrawn registration of the same person is reopened
     * with the new details (reopenWithdrawn), checked as a new registration's.
     */
    async register(actor: AuthUser, body: RegisterCandidateBody): Promise<CandidateDto> {
      const divisionCode = body.divisionCode ?? actor.divisionCode;
      assertDivisionInScope(actor, divisionCode, options.provinceCode);
      // A group entry (429000 省直辖县级行政区划) is nobody's division, as for accounts and centres.
      assertNotGroupDivision(divisionCode);
      const id = checkIdNumber(body.idNumber, { isKnownDivision: isPlausibleIdDivision, today: today() });
      if (!id.ok)
        throw errors.unprocessable("invalid_id_number", id.problems.map((p) => p.message).join("；"), {
          problems: id.problems,
        });
      if (body.sex && body.sex !== id.info.sex) {
        throw errors.unprocessable("invalid_id_number", "性别与身份证号码不符", {
          problems: [{ code: "sex_mismatch", message: "性别与身份证号码不符" }],
        });
      }
      // The name is printed on the ticket, the seating plan and the certificate: a character the
      // documents' font lacks would print as a blank box, so it is refused here, not at issuance.
      assertNamePrintable(body.name);
      // The address is printed by name on the certificate: a code that is no current division (an
      // ID number's abolished first six digits, 342600 巢湖地区) would be printed as digits.
      CurrentAddress.parse({ addressDivisionCode: body.addressDivisionCode });
      const photo = decodePhoto(body.photo.mimeType, body.photo.dataBase64);
      const prior = await Candidates.findOne(
        { idNumber: id.info.idNumber },
        { divisionCode: 1, withdrawnAt: 1 },
      ).lean();
      // A withdrawn registration the officer may see is reopened with these details (registration-write.ts).
      const reopening = reopenable(actor, prior);
      const reopen = reopening && prior ? { prior: reopening, refused: () => alreadyRegistered(actor, prior) } : null;
      // Both refusals come before eligibility is judged, and alike: a not_eligible naming
      // already_held would tell the officer what another city's holder holds, and one refusal
      // before and one after would tell a holder elsewhere from a registration elsewhere.
      if (prior && !reopen) throw alreadyRegistered(actor, prior);
      const held = await heldOf(actor, id.info.idNumber, body.heldQualifications, prior?.divisionCode);
      if (held.elsewhere) throw idNumberUnavailable();
      const applicant: Applicant = {
        birthDate: id.info.birthDate,
        education: body.education,
        licenceClass: body.licenceClass,
        licenceFirstIssuedOn: body.licenceFirstIssuedOn,
        heldQualifications: held.held,
        declarations: body.declarations,
      };
      const categories = [...new Set(body.categories)];
      const results: EligibilityDto[] = categories.map((c) =>
        evaluateEligibility(c, applicant, rules, today()),
      );
      const refused = results.filter((r) => !r.eligible);
      if (refused.length > 0) {
        const summary = refused.map((r) => r.failures.map((f) => f.message).join("；")).join("；");
        throw errors.unprocessable("not_eligible", `不符合报考条件：${summary}`, { eligibility: results });
      }
      const fields = {
        name: body.name,
        sex: id.info.sex,
        idNumber: id.info.idNumber,
        birthDate: id.info.birthDate,
        phone: body.phone,
        addressDivisionCode: body.addressDivisionCode,
        divisionCode,
        education: body.education,
        licenceClass: body.licenceClass,
        licenceFirstIssuedOn: body.licenceFirstIssuedOn,
        categories,
        heldQualifications: body.heldQualifications,
        declarations: body.declarations,
        registeredBy: actor.id,
      };
      const created = await audit
        .transaction((session) =>
          writeRegistration(
            { Candidates, Photos, audit },
            session,
            actor,
            { fields, photo: { mimeType: body.photo.mimeType, data: photo } },
            reopen,
          ),
        )
        .catch(async (err: unknown) => {
          // Registered concurrently: the unique index refused it, so answer as the check above does.
          if (!isDuplicateKey(err, "idNumber")) throw err;
          const raced = await Candidates.findOne({ idNumber: id.info.idNumber }, { divisionCode: 1 }).lean();
          throw raced ? alreadyRegistered(actor, raced) : err;
        });
      return toCandidateDto(created);
    },
  };
}
export type RegistrationService = ReturnType<typeof createRegistrationService>;
