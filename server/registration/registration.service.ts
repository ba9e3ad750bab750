import { z } from "zod";
import { Types, type ClientSession, type Connection } from "mongoose";
import { isCanonicalObjectId, type AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type {
  CandidateDto,
  Education,
  EligibilityDto,
  LicenceClass,
  PrecheckBody,
  PrecheckDto,
  RegisterCandidateBody,
} from "../contracts/registration.js";
import { canonicalPersonName } from "../contracts/validation.js";
import { canSeeDivision, divisionFilter } from "../access/index.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { binaryToBuffer, claimInTransaction, isDuplicateKey, newestPage } from "../lib/mongo.js";
import { checkIdNumber } from "../lib/id-number.js";
import {
  assertDivisionInScope,
  divisionName,
  isKnownDivision,
  isPlausibleIdDivision,
} from "../organisation/index.js";
import { candidateModel, candidatePhotoModel, type CandidateDoc } from "./candidate.model.js";
import { evaluateEligibility, type Applicant, type EligibilityRule } from "./eligibility.js";
import { DEFAULT_ELIGIBILITY_RULES } from "./eligibility-rules.data.js";
import { calendarDay, DEFAULT_TIME_ZONE } from "../lib/local-time.js";
import { decodePhoto } from "./photo.js";
import { createCorrections, type OpenSeatPort } from "./corrections.js";
import { createCategoryApplications } from "./category-applications.js";
import { createRegistrationImport, type QualificationsOfManyPort } from "./registration-import.service.js";
import { reopenable, writeRegistration } from "./registration-write.js";
import { assertNamePrintable } from "../certificates/index.js";

/** Qualifications a person already holds (the certificates feature supplies them when present). */
export type QualificationsPort = (
  idNumber: string,
) => Promise<{ categoryCode: CategoryCode; firstIssuedOn: string }[]>;

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
  /** The node's time zone (TIME_ZONE): ages and licence years count on its calendar day. */
  timeZone?: string;
  now?: () => Date;
}

/** A registration's address as the form's field: a current division (refused in place otherwise). */
const CurrentAddress = z.object({
  addressDivisionCode: z.string().refine(isKnownDivision, "不是现行行政区划，请选择现住址所在区县"),
});

type CandidateLean = CandidateDoc & { _id: Types.ObjectId; createdAt?: Date };


/** The registrations a list query names, within the actor's divisions. */
function listFilter(
  actor: AuthUser,
  query: { q?: string; categoryCode?: CategoryCode; withdrawn?: "include" },
): Record<string, unknown> {
  const filter: Record<string, unknown> = divisionFilter(actor.divisionCode);
  // Withdrawn registrations are left out of pick lists and automatic seating unless asked for.
  if (query.withdrawn !== "include") filter.withdrawnAt = null;
  if (query.categoryCode) filter.categories = query.categoryCode;
  if (query.q) {
    filter.$or = /^[\dXx]+$/.test(query.q)
      ? [{ idNumber: { $regex: `^${query.q.toUpperCase()}` } }]
      : // Names are stored in one spelling (personName): the search text is brought to it too.
        [{ name: { $regex: `^${canonicalPersonName(query.q).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}` } }];
  }
  return filter;
}

function toDto(c: CandidateLean): CandidateDto {
  return {
    id: String(c._id),
    name: c.name,
    sex: c.sex as "male" | "female",
    idNumber: c.idNumber,
    birthDate: c.birthDate,
    phone: c.phone,
    addressDivisionCode: c.addressDivisionCode,
    divisionCode: c.divisionCode,
    divisionName: divisionName(c.divisionCode) ?? c.divisionCode,
    education: c.education as Education,
    licenceClass: (c.licenceClass ?? null) as LicenceClass | null,
    licenceFirstIssuedOn: c.licenceFirstIssuedOn ?? null,
    categories: c.categories as CategoryCode[],
    heldQualifications: c.heldQualifications.map((q) => ({
      categoryCode: q.categoryCode as CategoryCode,
      firstIssuedOn: q.firstIssuedOn ?? "",
    })),
    photoId: c.photoId ?? null,
    registeredAt: (c.createdAt ?? new Date(0)).toISOString(),
    withdrawn: Boolean(c.withdrawnAt),
  };
}

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
    : errors.conflict("id_number_unavailable", "该身份证号码无法在本辖区登记，请联系省级管理部门");
}

/** Candidate registration (报名) by an officer: ID validation, eligibility, atomic photo storage. */
export function createRegistrationService(conn: Connection, options: RegistrationOptions) {
  const Candidates = candidateModel(conn);
  const Photos = candidatePhotoModel(conn);
  const audit = options.audit ?? createAuditService(conn);
  const rules = options.rules ?? DEFAULT_ELIGIBILITY_RULES;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const today = () => calendarDay(now(), timeZone);

  async function heldOf(
    idNumber: string | undefined,
    declared: { categoryCode: CategoryCode; firstIssuedOn: string }[],
  ) {
    const fromCertificates =
      idNumber && options.qualificationsOf ? await options.qualificationsOf(idNumber) : [];
    return [...declared, ...fromCertificates];
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
    loadInScope,
  });

  const applications = createCategoryApplications({ Candidates, audit, rules, today, heldOf, loadInScope });

  const bulk = createRegistrationImport({
    conn,
    Candidates,
    audit,
    provinceCode: options.provinceCode,
    rules,
    now,
    today,
    heldOf: (idNumber) => heldOf(idNumber, []),
    ...(options.qualificationsOfMany ? { heldOfMany: options.qualificationsOfMany } : {}),
    alreadyRegistered,
  });

  return {
    ...corrections,
    ...applications,
    ...bulk,

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
      const applicant: Applicant = {
        birthDate,
        education: body.education,
        licenceClass: body.licenceClass,
        licenceFirstIssuedOn: body.licenceFirstIssuedOn,
        heldQualifications: await heldOf(idNumber, body.heldQualifications),
        declarations: body.declarations,
      };
      const eligibility = body.categories.map((c) => evaluateEligibility(c, applicant, rules, today()));
      // A withdrawn registration is no obstacle: registering the person again reopens it, which
      // the form says before the officer submits.
      const existing = idNumber
        ? await Candidates.findOne(
            { ...divisionFilter(actor.divisionCode), idNumber },
            { _id: 1, withdrawnAt: 1 },
          ).lean()
        : null;
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
      const applicant: Applicant = {
        birthDate: id.info.birthDate,
        education: body.education,
        licenceClass: body.licenceClass,
        licenceFirstIssuedOn: body.licenceFirstIssuedOn,
        heldQualifications: await heldOf(id.info.idNumber, body.heldQualifications),
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
      const prior = await Candidates.findOne(
        { idNumber: id.info.idNumber },
        { divisionCode: 1, withdrawnAt: 1 },
      ).lean();
      // A withdrawn registration the officer may see is reopened with these details (registration-write.ts).
      const reopening = reopenable(actor, prior);
      const reopen = reopening && prior ? { prior: reopening, refused: () => alreadyRegistered(actor, prior) } : null;
      if (prior && !reopen) throw alreadyRegistered(actor, prior);
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
      return toDto(created);
    },

    /**
     * The newest `limit` registrations under the filter, and how many there are in all: a page
     * that shows the newest 200 must be able to say that there are more.
     */
    async page(
      actor: AuthUser,
      query: { q?: string; categoryCode?: CategoryCode; limit: number; withdrawn?: "include"; before?: string },
    ): Promise<{ candidates: CandidateDto[]; total: number; next: string | null }> {
      const filter = listFilter(actor, query);
      const { rows, total, next } = await newestPage(
        Candidates,
        filter,
        { time: "createdAt", tie: "_id" },
        query.before,
        query.limit,
      );
      return { candidates: (rows as CandidateLean[]).map(toDto), total, next };
    },

    /**
     * The candidates of a category in the actor's divisions who wait for a seat, first registered
     * first: not withdrawn, not in `exclude` (seated, passed), at most `limit`. Read oldest first to
     * the end if need be: the newest 500, which automatic seating took before, left out everyone
     * registered earlier and still waiting once a division had more.
     */
    async waitingFor(
      actor: AuthUser,
      categoryCode: CategoryCode,
      exclude: ReadonlySet<string>,
      limit: number,
    ): Promise<CandidateDto[]> {
      const filter = listFilter(actor, { categoryCode });
      const out: CandidateDto[] = [];
      for await (const c of Candidates.find(filter).sort({ createdAt: 1, _id: 1 }).lean().cursor()) {
        if (exclude.has(String(c._id))) continue;
        out.push(toDto(c as CandidateLean));
        if (out.length >= limit) break;
      }
      return out;
    },

    async get(actor: AuthUser, id: string): Promise<CandidateDto> {
      return toDto(await loadInScope(actor, id));
    },

    async getPhotoFor(actor: AuthUser, id: string): Promise<{ mimeType: string; data: Buffer }> {
      const c = await loadInScope(actor, id);
      const photo = await this.getCandidatePhoto(String(c._id));
      if (!photo) throw errors.notFound("照片");
      return photo;
    },

    /**
     * For scheduling, inside its seating transaction `tx`: true while none of the candidates is
     * withdrawn, each then claimed by a write, so a withdrawal in flight conflicts with the seating
     * (one of the two is retried and sees the other) instead of both passing their checks.
     */
    async claimForSeating(
      candidateIds: string[],
      tx: ClientSession,
      copied?: { name: string },
    ): Promise<boolean> {
      const ids = [...new Set(candidateIds)];
      if (!ids.every(isCanonicalObjectId)) return false;
      // `copied`: the name the seat (and its ticket) copies, still the registration's: a name
      // corrected since the seating read the candidate left the old name on the ticket.
      const registered = { _id: { $in: ids }, withdrawnAt: null, ...(copied ? { name: copied.name } : {}) };
      return (await claimInTransaction(Candidates, registered, "seatClaims", tx)) === ids.length;
    },

    /** For other features (scheduling, exam check-in): a candidate without scope checks. */
    async getCandidate(candidateId: string): Promise<CandidateDto | null> {
      if (!isCanonicalObjectId(candidateId)) return null;
      const c = (await Candidates.findById(candidateId).lean()) as CandidateLean | null;
      return c ? toDto(c) : null;
    },

    /** For the proctor's check-in: the registration photo. */
    async getCandidatePhoto(candidateId: string): Promise<{ mimeType: string; data: Buffer } | null> {
      if (!isCanonicalObjectId(candidateId)) return null;
      const c = await Candidates.findById(candidateId, { photoId: 1 }).lean();
      if (!c?.photoId || !Types.ObjectId.isValid(c.photoId)) return null;
      const p = await Photos.findById(c.photoId).lean();
      return p ? { mimeType: p.mimeType, data: binaryToBuffer(p.data) } : null;
    },
  };
}
export type RegistrationService = ReturnType<typeof createRegistrationService>;
