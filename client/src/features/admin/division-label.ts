import type { DivisionDto } from "@contracts/organisation.js";

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
