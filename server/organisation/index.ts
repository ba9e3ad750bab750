/**
 * Organisation: GB/T 2260 divisions at four levels (部 ministry 000000, 省 XX0000, 市 XXXX00,
 * 县 XXXXXX), road-transport authorities (运管机构) attached to divisions, and test centres (考点)
 * with rooms (考场) and numbered seats (座位, each a workstation with an optional registered IP or
 * kiosk seat token).
 *
 * Division scoping: a user sees data of their own division and the divisions below it.
 */
export {
  canSeeDivision,
  cityOf,
  divisionFilter,
  divisionLevel,
  divisionName,
  isKnownDivision,
  isPlausibleIdDivision,
  MINISTRY_CODE,
  parentOf,
  provinceOf,
  type DivisionLevel,
} from "./division-scope.js";
export { DIVISIONS } from "./divisions.data.js";
export {
  assertDivisionInScope,
  createOrganisationService,
  hashSeatToken,
  type OrganisationService,
  type RoomInfo,
} from "./organisation.service.js";
export { organisationRouter } from "./organisation.routes.js";

import type { AuditService } from "../audit/index.js";
import type { Feature } from "../feature.js";
import { organisationRouter as buildRouter } from "./organisation.routes.js";
import type { OrganisationService as Service } from "./organisation.service.js";

/** The organisation feature's REST API. */
export function createOrganisationFeature(org: Service, audit: AuditService): Feature {
  return { name: "organisation", router: buildRouter(org, audit) };
}
