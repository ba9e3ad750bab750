/**
 * Organisation: GB/T 2260 divisions at four levels (部 ministry 000000, 省 XX0000, 市 XXXX00,
 * 县 XXXXXX), road-transport authorities (运管机构) attached to divisions, and test centres (考点)
 * with rooms (考场) and numbered seats (座位, each a workstation with an optional registered IP or
 * kiosk seat token).
 *
 * Division scoping: a user sees data of their own division and the divisions below it.
 * Which division an actor may see (canSeeDivision, divisionFilter) is the access layer's:
 * import it from server/access.
 */
export {
  divisionFullName,
  divisionName,
  isKnownDivision,
  isPlausibleIdDivision,
  parentOf,
  provinceLabel,
} from "./division-scope.js";
export { DIVISIONS } from "./divisions.data.js";
export {
  assertDivisionInScope,
  assertNodeDivision,
  assertNotGroupDivision,
  createOrganisationService,
  type OrganisationService,
} from "./organisation.service.js";
export { hashSeatToken, type RoomInfo } from "./room-ports.js";
export { organisationRouter } from "./organisation.routes.js";
export type { RoomUsePort } from "./retirement.js";
export { seatNames } from "./audit-names.js";

import type { Access } from "../access/index.js";
import type { Feature } from "../feature.js";
import { organisationRouter as buildRouter } from "./organisation.routes.js";
import type { OrganisationService as Service } from "./organisation.service.js";

/** The organisation feature's REST API. */
export function createOrganisationFeature(org: Service, access: Access): Feature {
  return { name: "organisation", router: buildRouter(org, access) };
}
