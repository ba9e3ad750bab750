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

/** The Chinese name of a province for a message or a report row, never its code alone. */
export function provinceLabel(code: string): string {
  return divisionName(code) ?? `未知省份（${code}）`;
}

/**
 * The division's name with its province and city before it (江苏省徐州市鼓楼区), or null when the
 * code is not a current division. A county's name alone is often shared (鼓楼区 is a district of
 * 南京, 徐州, 福州 and 开封), so what is printed for a person or an authority names the whole path.
 * City levels that are no city are left out: a municipality's 市辖区/县 level (北京市东城区, not
 * 北京市北京市（市辖区）东城区) and the standard's group entries (河南省济源市, not
 * 河南省省直辖县级行政区划济源市).
 */
export function divisionFullName(code: string): string | null {
  if (code === MINISTRY_CODE) return MINISTRY_NAME;
  const own = byCode.get(code);
  if (!own) return null;
  const province = provinceOf(code);
  const provinceName = byCode.get(province)?.name ?? "";
  if (code === province) return own.name;
  const city = cityOf(code);
  const cityName = city && city !== code ? byCode.get(city)?.name : undefined;
  const realCity =
    cityName !== undefined && !cityName.startsWith(`${provinceName}（`) && !cityName.includes("直辖县级");
  return `${provinceName}${realCity ? cityName : ""}${own.name}`;
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

/**
 * Whether the code is one of GB/T 2260's group entries (XX9000, 省/自治区直辖县级行政区划): a list of
 * county-level cities a province administers directly, not a division anyone works in. An account
 * or a body there would sit above those cities as if it were a city's.
 */
export function isGroupDivision(code: string): boolean {
  return divisionLevel(code) === "city" && (byCode.get(code)?.name.endsWith("直辖县级行政区划") ?? false);
}

/** Divisions listed as children of a code (from the data file). */
export function childDivisions(code: string): { code: string; name: string }[] {
  return DIVISIONS.filter((d) => d.code !== code && parentOf(d.code) === code);
}
