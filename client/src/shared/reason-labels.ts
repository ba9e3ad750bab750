/**
 * The collection interface's rejection reason codes in words: the hub operator's pages and the
 * province's queue to the hub read them alike.
 */
const REASON_LABELS: Readonly<Record<string, string>> = {
  invalid_field: "字段格式不合法",
  missing_field: "缺少必需信息",
  inconsistent: "内容前后不一致",
  provenance_mismatch: "来源省份与签名节点不符",
  not_home_province: "非归属省份写入",
  version_conflict: "同版本内容不同",
  conflict_retry: "并发冲突待重发",
  unknown_division: "未知行政区划",
  division_outside_province: "机构不在来源省份",
  duplicate_category: "资格类别重复",
  invalid_date: "日期不合法",
  future_date: "日期晚于当前",
  id_length: "身份证号码位数错误",
  id_format: "身份证号码格式错误",
  id_division: "身份证地区码不存在",
  id_birth_date: "身份证出生日期错误",
  id_check_digit: "身份证校验位错误",
};

/** The Chinese name of a rejection reason; an unknown code is shown as itself, marked. */
export function reasonLabel(code: string): string {
  return REASON_LABELS[code] ?? `其他（${code}）`;
}
