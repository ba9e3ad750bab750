/** The columns of a province's legacy register, in the order its export writes them. */
export const LEGACY_REGISTER_HEADER = [
  "姓名",
  "身份证号",
  "从业资格类别",
  "证号",
  "发证机关",
  "发证机关代码",
  "初领日期",
  "发证日期",
  "有效期起",
  "有效期至",
  "状态",
];

/** The cells of a legacy register row that the cleaning may change, by a short name. */
export type LegacyRowOverrides = Partial<
  Record<"name" | "category" | "division" | "first" | "issued" | "from" | "to" | "status", string>
>;

/**
 * One clean register row (王五, 02001, issued in 南京 in 2021, valid) for `idNumber`, as cells;
 * the CSV and the workbook suites build their rows from this one row so they test the same data.
 */
export function legacyRegisterRow(idNumber: string, over: LegacyRowOverrides = {}): string[] {
  return [
    over.name ?? "王五",
    idNumber,
    over.category ?? "02001",
    idNumber,
    "南京市道路运输管理机构",
    over.division ?? "320100",
    over.first ?? "2015-03-01",
    over.issued ?? "2021-03-01",
    over.from ?? "2021-03-01",
    over.to ?? "2027-02-28",
    over.status ?? "有效",
  ];
}
