/**
 * Division scope, written once: the four levels (部/省/市/县) mapped onto GB/T 2260 codes, and
 * which division an actor may see. Pure code arithmetic, so it needs no division list; the list
 * (names, known codes, children) belongs to the organisation feature.
 */
import {
  canSeeDivision,
  divisionLevel,
  type DivisionLevel,
  MINISTRY_CODE,
} from "../contracts/organisation.js";

/**
 * The ministry code and the level of a code are defined in the contracts the client shares (the
 * menu hides a page by the same rule the server refuses by); re-exported for the server's features.
 */
export { canSeeDivision, divisionLevel, type DivisionLevel, MINISTRY_CODE };

/** Province (`XX0000`) a code belongs to. */
export function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

/** City (`XXXX00`) a city or county code belongs to; null for province and ministry codes. */
export function cityOf(code: string): string | null {
  const level = divisionLevel(code);
  return level === "city" || level === "county" ? `${code.slice(0, 4)}00` : null;
}

/**
 * A MongoDB filter on a `divisionCode` field restricting to what the actor may see (anchored
 * prefix regex; codes are digits so nothing needs escaping).
 */
export function divisionFilter(actorDivision: string, field = "divisionCode"): Record<string, unknown> {
  switch (divisionLevel(actorDivision)) {
    case "ministry":
      return {};
    case "province":
      return { [field]: { $regex: `^${actorDivision.slice(0, 2)}` } };
    case "city":
      return { [field]: { $regex: `^${actorDivision.slice(0, 4)}` } };
    case "county":
      return { [field]: actorDivision };
  }
}
