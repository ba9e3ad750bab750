import type { CaseDto } from "@contracts/exchange.js";

/**
 * The other side of a case as a list row names it: the sending province of a received case (来自),
 * the receiving province of one this province sent (发往). A list of one box passes `box`; a list
 * of both (a practitioner's transfers: asked by this province and of it) reads each row's own box.
 * Read as received, a transfer this province asked for showed its own province under 来自.
 */
export function otherSideOf(
  row: Pick<CaseDto, "box" | "fromProvince" | "toProvince">,
  box?: "in" | "out",
): { label: "来自" | "发往"; province: string | null } {
  const side = box ?? row.box;
  return {
    label: side === "in" ? "来自" : "发往",
    province: (side === "in" ? row.fromProvince : row.toProvince) || null,
  };
}

/**
 * The cell's text, `name` giving a province code's name (shared/provinces.ts): the province alone
 * in a list of one box, with 来自 / 发往 before it in a list of both.
 */
export function otherSideText(
  row: Pick<CaseDto, "box" | "fromProvince" | "toProvince">,
  box: "in" | "out" | undefined,
  name: (code: string) => string,
): string {
  const side = otherSideOf(row, box);
  const province = (side.province && name(side.province)) || "—";
  return box ? province : `${side.label} ${province}`;
}
