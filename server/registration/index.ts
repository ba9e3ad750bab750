/**
 * Registration (报名): an officer registers a candidate (考生) with their ID number (GB 11643),
 * licence, education, photo and the categories applied for; eligibility rules per category are
 * configuration (`eligibility-rules.data.ts`), and each failed rule is named.
 *
 * Bulk registration (批量导入): an uploaded sheet is checked row by row (a dry run, nothing written),
 * then confirmed: every row is checked again and all are written in one transaction, or none.
 *
 * Other features: `getCandidate(candidateId)` and `getCandidatePhoto(candidateId)` on the service;
 * certificate issuance claims its holder with `claimHolder(candidateId, expected, tx)`.
 */
export {
  createRegistrationService,
  type QualificationsPort,
  type RegistrationOptions,
  type RegistrationService,
} from "./registration.service.js";
export { registrationRouter } from "./registration.routes.js";
export type { OpenSeatPort } from "./corrections.js";
export type { QualificationsOfManyPort } from "./registration-import.service.js";
export {
  evaluateEligibility,
  fullYearsBetween,
  ruleName,
  type Applicant,
  type EligibilityRule,
} from "./eligibility.js";
export { DEFAULT_ELIGIBILITY_RULES } from "./eligibility-rules.data.js";
export { candidateNames } from "./audit-names.js";

import type { Access } from "../access/index.js";
import type { Feature } from "../feature.js";
import { registrationRouter as buildRouter } from "./registration.routes.js";
import type { RegistrationService as Service } from "./registration.service.js";

/** The registration feature's REST API. */
export function createRegistrationFeature(reg: Service, access: Access): Feature {
  return { name: "registration", router: buildRouter(reg, access) };
}
