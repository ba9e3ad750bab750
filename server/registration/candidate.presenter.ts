import type { Types } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { CandidateDto, Education, LicenceClass } from "../contracts/registration.js";
import { divisionName } from "../organisation/index.js";
import type { CandidateDoc } from "./candidate.model.js";

/** A registration as read with `.lean()`. */
export type CandidateLean = CandidateDoc & { _id: Types.ObjectId; createdAt?: Date };

/** What leaves the server of a registration (the officer's pages, scheduling, check-in). */
export function toCandidateDto(c: CandidateLean): CandidateDto {
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
