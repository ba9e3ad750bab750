import { DIVISIONS } from "./divisions.data.js";

/**
 * The four levels (部/省/市/县) mapped onto GB/T 2260 codes, and who may see whose data.
 * `000000` stands for the ministry level (the hub's own staff).
 */
export type DivisionLevel = "ministry" | "province" | "city" | "county";

export const MINISTRY_CODE = "000000";

const byCode = new Map(DIVISIONS.map((d) => [d.code, d]));

/** The level a code stands for. */
export function divisionLevel(code: string): DivisionLevel {
  if (code === MINISTRY_CODE) return "ministry";
  if (code.endsWith("0000")) return "province";
  if (code.endsWith("00")) return "city";
  return "county";
}

/** Province (`XX0000`) a code belongs to. */
export function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

/** City (`XXXX00`) a city or county code belongs to; null for province and ministry codes. */
export function cityOf(code: string): string | null {
  const level = divisionLevel(code);
  return level === "city" || level === "county" ? `${code.slice(0, 4)}00` : null;
}

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
  return code === MINISTRY_CODE ? "交通运输部" : (byCode.get(code)?.name ?? null);
}

/**
 * Whether an ID number's 6-digit prefix can be a real division: its province must exist; where
 * roadcert holds the province's city list, its city must exist too (county lists are partial, and
 * ID numbers keep the codes of divisions since renamed, so counties are not checked).
 */
export function isPlausibleIdDivision(code: string): boolean {
  if (!/^\d{6}$/.test(code) || !byCode.has(provinceOf(code))) return false;
  const city = cityOf(code);
  if (!city) return true;
  const province = provinceOf(code);
  const hasCityList = DIVISIONS.some((d) => d.code !== province && d.code.startsWith(province.slice(0, 2)));
  return !hasCityList || byCode.has(city);
}

/**
 * Division scoping: an actor sees a target division when the target lies inside the actor's own
 * division (a province officer the whole province; a city officer the city and its counties; a
 * county officer only the county). The ministry level sees everything on its own node.
 */
export function canSeeDivision(actorDivision: string, targetDivision: string): boolean {
  switch (divisionLevel(actorDivision)) {
    case "ministry":
      return true;
    case "province":
      return targetDivision.slice(0, 2) === actorDivision.slice(0, 2);
    case "city":
      return targetDivision.slice(0, 4) === actorDivision.slice(0, 4);
    case "county":
      return targetDivision === actorDivision;
  }
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

/** Divisions listed as children of a code (from the data file). */
export function childDivisions(code: string): { code: string; name: string }[] {
  return DIVISIONS.filter((d) => d.code !== code && parentOf(d.code) === code);
}
