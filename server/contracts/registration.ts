import { z } from "zod";
import { CategoryCode } from "./categories.js";
import { DivisionCode } from "./auth.js";
import { IsoDate, personName, TimeIdCursor, typedCode, wholeNumber } from "./validation.js";
import { visibleText } from "./visible-text.js";

/** Education levels (JT/T 697.7 person data elements, simplified), lowest first. */
export const EDUCATION_LEVELS = {
  primary: "小学",
  junior_middle: "初中",
  senior_middle: "高中",
  technical_secondary: "中专/技校",
  junior_college: "大专",
  bachelor: "本科",
  postgraduate: "研究生",
} as const;
export type Education = keyof typeof EDUCATION_LEVELS;
export const Education = z.enum(Object.keys(EDUCATION_LEVELS) as [Education, ...Education[]]);

/** Driving-licence classes (准驾车型) roadcert records. */
export const LicenceClass = z.enum(["A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4"]);
export type LicenceClass = z.infer<typeof LicenceClass>;

/** Declarations the officer confirms from documents; eligibility rules may require them. */
export const DeclarationKey = z.enum(["noMajorAccident3y", "noDrunkDriving", "hazmatTraining"]);
export type DeclarationKey = z.infer<typeof DeclarationKey>;
export const DECLARATION_LABELS: Record<DeclarationKey, string> = {
  noMajorAccident3y: "近 3 年无重大以上交通责任事故",
  noDrunkDriving: "无酒驾、醉驾及交通肇事犯罪记录",
  hazmatTraining: "已接受危险货物运输相关培训",
};

/** Largest accepted photo after base64 decoding (bytes). */
export const MAX_PHOTO_BYTES = 512 * 1024;

export const PhotoInput = z
  .object({
    mimeType: z.enum(["image/jpeg", "image/png"]),
    /** Base64 (no data: prefix). 4/3 of MAX_PHOTO_BYTES plus padding. */
    dataBase64: z
      .string()
      .min(8)
      .max(Math.ceil((MAX_PHOTO_BYTES * 4) / 3) + 4),
  })
  .strict();
export type PhotoInput = z.infer<typeof PhotoInput>;

/**
 * PUT /api/candidates/:id/photo (更换照片): the registration's new photo, or its first (a bulk import
 * registers none), checked as at registration. The earlier photo is kept: a certificate prints the
 * photo it recorded at issue. Refused while the candidate holds a seat, as a name correction is.
 */
export const ReplacePhotoBody = PhotoInput;
export type ReplacePhotoBody = PhotoInput;

/**
 * GET /api/candidates/:id/photo-refusal: why 更换照片 would be refused now (candidate_withdrawn,
 * candidate_seated, candidate_sitting), as PUT …/photo would say it; `refusal` is null when it would not.
 */
export interface PhotoRefusalDto {
  code: string;
  message: string;
}

export const HeldQualification = z.object({ categoryCode: CategoryCode, firstIssuedOn: IsoDate }).strict();

const applicantShape = {
  name: personName(2, 32),
  sex: z.enum(["male", "female"]).optional(),
  idNumber: typedCode().min(1).max(18),
  phone: typedCode().regex(/^1\d{10}$/, "手机号须为 11 位"),
  addressDivisionCode: DivisionCode,
  education: Education,
  /** Absent for an applicant who does not drive (only the non-driving categories admit that). */
  licenceClass: LicenceClass.optional(),
  licenceFirstIssuedOn: IsoDate.optional(),
  categories: z.array(CategoryCode).min(1).max(7),
  heldQualifications: z.array(HeldQualification).max(7).default([]),
  declarations: z.partialRecord(DeclarationKey, z.boolean()).default({}),
  /** The registering division (defaults to the officer's own). */
  divisionCode: DivisionCode.optional(),
};

/**
 * A driving licence is recorded whole or not at all: a class without its first-issue date (or the
 * reverse) would print half a licence on the certificate. Whether one is needed is the categories'
 * eligibility rules' business.
 */
function licenceWhole(
  a: { licenceClass?: LicenceClass | undefined; licenceFirstIssuedOn?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (a.licenceClass && !a.licenceFirstIssuedOn)
    ctx.addIssue({
      code: "custom",
      path: ["licenceFirstIssuedOn"],
      message: "填写准驾车型时须同时填写驾驶证初领日期",
    });
  if (!a.licenceClass && a.licenceFirstIssuedOn)
    ctx.addIssue({
      code: "custom",
      path: ["licenceClass"],
      message: "填写驾驶证初领日期时须同时选择准驾车型",
    });
}

/** A registration's fields less the photo: what one row of a bulk import registers. */
export const RegistrationFields = z.object(applicantShape).strict().superRefine(licenceWhole);

/** POST /api/candidates (officer): everything including the photo, stored atomically. */
export const RegisterCandidateBody = z
  .object({ ...applicantShape, photo: PhotoInput })
  .strict()
  .superRefine(licenceWhole);
export type RegisterCandidateBody = z.infer<typeof RegisterCandidateBody>;

/** POST /api/candidates/precheck: live validation while the officer types; every field optional. */
export const PrecheckBody = z
  .object({
    ...applicantShape,
    name: applicantShape.name.optional(),
    phone: typedCode().max(32).optional(),
    addressDivisionCode: DivisionCode.optional(),
    education: Education.optional(),
    categories: z.array(CategoryCode).max(7).default([]),
    idNumber: typedCode().max(18).optional(),
  })
  .strict();
export type PrecheckBody = z.infer<typeof PrecheckBody>;

export interface RuleFailureDto {
  /** Stable rule name, e.g. `max_age`, `licence_years`, `prerequisite`, `declaration:hazmatTraining`, `already_held`. */
  rule: string;
  message: string;
}

export interface EligibilityDto {
  categoryCode: CategoryCode;
  eligible: boolean;
  failures: RuleFailureDto[];
}

export interface PrecheckDto {
  idNumber: {
    ok: boolean;
    problems: { code: string; message: string }[];
    birthDate?: string;
    sex?: "male" | "female";
  } | null;
  eligibility: EligibilityDto[];
  /** An existing registration with the same ID number on this node. */
  existingCandidateId: string | null;
  /** A withdrawn registration of this ID number in the officer's scope: registering reopens it. */
  reopensWithdrawn: boolean;
}

export interface CandidateDto {
  id: string;
  name: string;
  sex: "male" | "female";
  idNumber: string;
  birthDate: string;
  phone: string;
  addressDivisionCode: string;
  divisionCode: string;
  /** The registering division by name (GB/T 2260). */
  divisionName: string;
  education: Education;
  /** Null for a registration without a driving licence (a non-driving category). */
  licenceClass: LicenceClass | null;
  licenceFirstIssuedOn: string | null;
  categories: CategoryCode[];
  heldQualifications: { categoryCode: CategoryCode; firstIssuedOn: string }[];
  photoId: string | null;
  registeredAt: string;
  /** Withdrawn registrations stay readable but are seated nowhere new. */
  withdrawn: boolean;
}

/**
 * PATCH /api/candidates/:id (更正): the name, phone, address, education and driving licence; never
 * the person (the ID number) nor the categories (报考新类别 adds those). A corrected licence or
 * education is checked again against the licence and education rules of every category applied
 * for, and refused when one of them no longer holds. A licence is corrected whole; `null` for both
 * fields removes one recorded by mistake (allowed only when no category applied for needs one).
 */
export const CorrectCandidateBody = z
  .object({
    name: applicantShape.name.optional(),
    phone: applicantShape.phone.optional(),
    addressDivisionCode: DivisionCode.optional(),
    education: Education.optional(),
    licenceClass: LicenceClass.nullable().optional(),
    licenceFirstIssuedOn: IsoDate.nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "请至少更正一项" })
  .superRefine((b, ctx) => {
    // Whole or not at all, as when registering; and a removal names both fields.
    if ((b.licenceClass === undefined) !== (b.licenceFirstIssuedOn === undefined))
      ctx.addIssue({
        code: "custom",
        path: [b.licenceClass === undefined ? "licenceClass" : "licenceFirstIssuedOn"],
        message: "更正驾驶证时须同时提交准驾车型和驾驶证初领日期",
      });
    else if ((b.licenceClass === null) !== (b.licenceFirstIssuedOn === null))
      ctx.addIssue({
        code: "custom",
        path: [b.licenceClass === null ? "licenceClass" : "licenceFirstIssuedOn"],
        message: "删除驾驶证时须同时清空准驾车型和驾驶证初领日期",
      });
  });
export type CorrectCandidateBody = z.infer<typeof CorrectCandidateBody>;

/**
 * POST /api/candidates/:id/categories (报考新类别): a registered candidate applies for more
 * categories, checked against the same rules with today's facts. A licence obtained since
 * registering may be added (whole) when none is recorded; a recorded one is not changed here.
 * Held qualifications and declarations are the officer's, from documents, as when registering.
 */
export const ApplyForCategoriesBody = z
  .object({
    categories: z.array(CategoryCode).min(1).max(7),
    licenceClass: LicenceClass.optional(),
    licenceFirstIssuedOn: IsoDate.optional(),
    heldQualifications: z.array(HeldQualification).max(7).default([]),
    declarations: z.partialRecord(DeclarationKey, z.boolean()).default({}),
  })
  .strict()
  .superRefine(licenceWhole);
export type ApplyForCategoriesBody = z.infer<typeof ApplyForCategoriesBody>;

/** POST /api/candidates/:id/withdraw: the reason goes into the audit log. */
export const WithdrawCandidateBody = z.object({ reason: visibleText(2, 200) }).strict();
export type WithdrawCandidateBody = z.infer<typeof WithdrawCandidateBody>;

export const ListCandidatesQuery = z
  .object({
    q: typedCode().max(32).optional(),
    categoryCode: CategoryCode.optional(),
    limit: wholeNumber(1, 200).default(50),
    /** `include` also lists withdrawn registrations (left out by default). */
    withdrawn: z.literal("include").optional(),
    /** Where the next page starts: the `next` the previous page answered. */
    before: TimeIdCursor.optional(),
  })
  .strict();
