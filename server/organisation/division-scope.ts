import { cityOf, divisionLevel, MINISTRY_CODE, provinceOf } from "../access/index.js";
import { MINISTRY_NAME } from "../contracts/organisation.js";
import { DIVISIONS } from "./divisions.data.js";

/**
 * The division list's side of GB/T 2260: names, known codes, parents and children. Which division
 * an actor may see is the access layer's (server/access/division-scope.ts).
 */
const byCode = new Map(DIVISIONS.map((d) => [d.code, d]));

/** The parent division code, or null at the top. */
export function parentOf(code: string): string | null {
  switch (divisionLevel(code)) {
    case "ministry":
      return null;
    case "province":
      return MINISTRY_CODE;
    case "city":
      return provinceOf(code);
    case "county":
      return cityOf(code);
  }
}

export function isKnownDivision(code: string): boolean {
  return byCode.has(code);
}

export function divisionName(code: string): string | null {
  return code === MINISTRY_CODE ? MINISTRY_NAME : (byCode.get(code)?.name ?? null);
}

/**
 * Whether an ID number's 6-digit prefix can be a real division: its province must exist. Cities
 * and counties are not checked: an ID number keeps the code of the division where it was first
 * issued, and many of those (巢湖地区 342600, counties merged into districts) are no longer on the
 * current list; refusing them would refuse real people.
 */
export function isPlausibleIdDivision(code: string): boolean {
  return /^\d{6}$/.test(code) && byCode.has(provinceOf(code));
}

/** Divisions listed as children of a code (from the data file). */
export function childDivisions(code: string): { code: string; name: string }[] {
  return DIVISIONS.filter((d) => d.code !== code && parentOf(d.code) === code);
}
