import { MINISTRY_CODE, MINISTRY_NAME, type DivisionDto } from "@contracts/organisation.js";

/**
 * The one division the hub's forms offer: the hub keeps ministry-level bodies and staff only
 * (province, city and county ones live on their province's node, and the hub refuses them).
 */
export const MINISTRY_OPTION = { value: MINISTRY_CODE, label: `${MINISTRY_NAME}（部级）` };

/** "江苏省 / 南京市" style labels for a division list (codes whose parent is in the list get a prefix). */
export function divisionOptions(divisions: DivisionDto[]): { value: string; label: string }[] {
  const byCode = new Map(divisions.map((d) => [d.code, d]));
  return divisions.map((d) => {
    const parent = d.parentCode ? byCode.get(d.parentCode) : undefined;
    const grand = parent?.parentCode ? byCode.get(parent.parentCode) : undefined;
    const label = [grand?.name, parent?.name, d.name].filter(Boolean).join(" / ");
    return { value: d.code, label: `${label}（${d.code}）` };
  });
}
