import { z } from "zod";
import { ownEntry } from "./own-entry.js";

/**
 * Validation messages in Chinese from zod's own zh-CN locale, for the server and the browser alike,
 * except for sizes: the locale words those with the schema's type names ("数值过小：期望 string >=1
 * 字符", "期望 array >=1 项"), which an officer reads as noise, and a blank required field is the
 * most common refusal of all. `sizeMessage` words those; everything else stays the locale's.
 * Idempotent; call before the first parse.
 */
export function useChineseValidationMessages(): void {
  z.config(z.locales.zhCN());
  z.config({ customError: sizeMessage });
}

/** A too-short, too-long, too-few or too-many problem in plain Chinese; undefined for any other. */
export function sizeMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== "too_small" && issue.code !== "too_big") return undefined;
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  // An exclusive bound (`gt`, `lt`, `positive`) is named as such: 须大于 0, not 不能小于 1.
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case "string":
      if (small) return bound <= 1 ? "不能为空" : `至少 ${bound} 个字符`;
      return `不能超过 ${bound} 个字符`;
    case "array":
    case "set":
      if (small) return bound <= 1 ? "至少选择 1 项" : `至少 ${bound} 项`;
      return `最多 ${bound} 项`;
    case "number":
    case "int":
    case "bigint":
      if (small) return inclusive ? `不能小于 ${bound}` : `须大于 ${bound}`;
      return inclusive ? `不能大于 ${bound}` : `须小于 ${bound}`;
    default:
      return undefined;
  }
}

/**
 * A code a person types (ID, ticket or phone number, a search): NFKC-normalised first, so the
 * full-width digits and letters a Chinese input method types in its full-width mode (３２０１…ｘ),
 * and its ideographic space, are the ASCII they stand for. Without it a correct ID number typed
 * that way was refused at an exam seat as "身份证号或准考证号错误", and a search found nothing.
 */
export function typedCode() {
  return z.string().normalize("NFKC").trim();
}

/**
 * A real calendar date, `YYYY-MM-DD` (zod checks month lengths and leap years): a digit pattern let
 * `2026-02-30` through. Worded here: the zh-CN locale says "无效ISO日期", which an officer who
 * picked nothing in a date picker cannot act on.
 */
export const IsoDate = z.iso.date({
  error: (issue) =>
    issue.input === "" || issue.input === undefined ? "不能为空" : "须为日期（如 2026-12-01）",
});

/**
 * A real instant, ISO 8601 with `Z` or an offset. Any string used to pass as a time, so a trust
 * list whose `validUntil` did not parse compared as never expiring (NaN is never reached).
 */
export const IsoInstant = z.iso.datetime({ offset: true });

/**
 * Where the next page of a list ordered by a time, then a document id, starts: the `next` the
 * previous page answered, `<time ISO>~<ObjectId>` (see `newestPage` on the server).
 */
export const TimeIdCursor = z
  .string()
  .max(60)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z~[0-9a-f]{24}$/, "不是本列表给出的翻页位置");

/** Text matching `pattern` read as the number it spells; anything else passed on as is, for the number check to refuse. */
const numberFromText = (pattern: RegExp) => (value: unknown) =>
  typeof value === "string" && pattern.test(value) ? Number(value) : value;

/**
 * `message` for text that is no number; a number out of bounds keeps zod's own message naming the
 * bound (a schema-wide `error` answered `limit=501` with "须为十进制整数", which 501 is).
 */
const notANumber = (message: string) => (issue: { code: string }) =>
  issue.code === "invalid_type" ? message : undefined;

/**
 * A whole number that arrives as text (a query parameter, a path segment): decimal digits only.
 * `z.coerce.number()` ran `Number()` on it, so `?limit=0x10` read as 16, `1e2` as 100, `" 5"` as 5
 * and an empty `?after=` as 0: a cursor or page the sender never asked for, answered as if it had.
 * Anything but plain digits stays text and is refused; a number passed in code is checked as is.
 * Digits past `max` (at most `Number.MAX_SAFE_INTEGER`) are refused by the bound.
 */
export function wholeNumber(
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  message = "须为十进制整数（仅数字）",
) {
  return z.preprocess(
    numberFromText(/^\d{1,32}$/),
    z
      .number({ error: notANumber(message) })
      .int(message)
      .min(min)
      .max(max),
  );
}

/** A number with an optional decimal fraction (`24`, `0.5`) from text, read like `wholeNumber`. */
export function decimalNumber(min: number, max: number, message: string) {
  return z.preprocess(
    numberFromText(/^\d{1,15}(\.\d{1,15})?$/),
    z
      .number({ error: notANumber(message) })
      .min(min)
      .max(max),
  );
}

/** An 18-digit citizen ID number (or a certificate number, which is one) as a person types it. */
export const IdNumber = typedCode()
  .toUpperCase()
  .regex(/^\d{17}[\dX]$/, "须为 18 位公民身份号码");

/** Characters a name never holds and a reader cannot see: controls, format characters (zero-width
 * spaces and joiners, bidirectional controls), line and paragraph separators. The one definition
 * of an invisible character (names here, written reasons in visible-text.ts, exchange text). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** What a text area types between lines: text there, not hidden (they are controls all the same). */
const LINE_BREAKS = /[\t\n\r]/g;

/**
 * Whether `text` holds a character `INVISIBLE` names; with `lines` (text typed in a text area), its
 * tabs and line breaks are text and do not count.
 */
export function hasInvisible(text: string, lines = false): boolean {
  return INVISIBLE.test(lines ? text.replace(LINE_BREAKS, " ") : text);
}

/** Why text holding an invisible character is refused (names here, reasons in visible-text.ts). */
export const INVISIBLE_REFUSED = "含不可见字符（零宽字符、方向控制符等），请删除后重新输入";

/** `text` refusing any character `INVISIBLE` names, with a message saying why (its other rules kept). */
export function refuseInvisible<T extends z.ZodType<string>>(text: T) {
  return text.refine((s) => !hasInvisible(s), INVISIBLE_REFUSED);
}

/**
 * A person's name as typed or pasted (a candidate, a practitioner, a lookup's name). Names are
 * compared: a lookup by name and ID number, a transfer's holder against the record. A zero-width
 * space pasted with a name looked right and matched nothing (no record, no certificate: a wrong
 * answer that looks right), and a bidirectional control shows other provinces' officers the
 * characters in another order. Such a name is refused, with a message saying why.
 */
export function personName(min: number, max: number) {
  return refuseInvisible(z.string().normalize("NFC").trim().overwrite(canonicalPersonName).min(min).max(max));
}

/** Dots people and older systems put between the parts of a name (维吾尔族、藏族 and other names). */
const NAME_DOTS = "\u00B7\u0387\u2022\u2027\u2219\u22C5\u30FB\uFF65\u2E31.\uFF0E";
// Spaces only (\p{Zs}: the ideographic space among them): line separators, BOMs and other invisible
// characters are refused by `refuseInvisible`, never quietly dropped here.
const BETWEEN_HAN_DOT = new RegExp(
  `(?<=\\p{Script=Han})\\p{Zs}*[${NAME_DOTS}]\\p{Zs}*(?=\\p{Script=Han})`,
  "gu",
);
const BETWEEN_HAN_SPACE = /(?<=\p{Script=Han})\p{Zs}+(?=\p{Script=Han})/gu;

/**
 * One spelling for one Chinese name, so that names compare as people compare them. The separator
 * dot of 阿卜杜拉·买买提 arrives as ·, •, ・, ‧ or a full stop, and a two-character name arrives
 * padded (王　芳) from older systems; a lookup by name and ID number typed the other way found
 * nothing, and the practitioner read as unregistered. Between Chinese characters every such dot
 * becomes U+00B7 (the resident ID card's) and spaces go; Latin names are left as written.
 */
export function canonicalPersonName(name: string): string {
  return name.replace(BETWEEN_HAN_DOT, "\u00B7").replace(BETWEEN_HAN_SPACE, "");
}

/**
 * Any name people read and compare, a person's or not: an authority's (printed on certificates and
 * sent to the hub), a test centre's, a room's, a document's. The same rules as `personName`.
 */
export function visibleName(min: number, max: number) {
  return refuseInvisible(z.string().normalize("NFC").trim().min(min).max(max));
}

/** One field's problem, as a `validation_failed` error's details list it. */
export interface ValidationIssue {
  /** Dotted path of the field in the request, e.g. `heldQualifications.0.firstIssuedOn`. */
  path: string;
  /** The field's Chinese name, e.g. 驾驶证初领日期 (the path when no name is known). */
  field: string;
  message: string;
  code: string;
}

/**
 * Chinese names of request fields, by the field's key. Field names are words of the domain, not
 * validation messages: zod's locale cannot know them.
 */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  name: "名称",
  displayName: "姓名",
  username: "用户名",
  password: "密码",
  currentPassword: "当前密码",
  newPassword: "新密码",
  roles: "角色",
  idNumber: "身份证号码",
  ticketNo: "准考证号",
  phone: "手机号",
  address: "地址",
  addressDivisionCode: "户籍或居住地区划",
  divisionCode: "行政区划",
  education: "文化程度",
  licenceClass: "准驾车型",
  licenceFirstIssuedOn: "驾驶证初领日期",
  categories: "报考类别",
  categoryCode: "考试类别",
  heldQualifications: "已持资格",
  firstIssuedOn: "初领日期",
  declarations: "核实事项",
  photo: "照片",
  dataBase64: "文件内容",
  mimeType: "文件类型",
  authorityId: "运管机构",
  testCentreId: "考点",
  roomId: "考场",
  seatId: "座位",
  seatCount: "座位数",
  ip: "IP 地址",
  candidateId: "考生",
  sessionId: "考试场次",
  startsAt: "开考时间",
  durationMinutes: "考试时长",
  lateEntryMinutes: "迟到截止（分钟）",
  earliestHandInMinutes: "最早交卷（分钟）",
  status: "状态",
  reason: "原因",
  facts: "违法事实",
  legalBasis: "法律依据",
  caseNumber: "处罚决定书文号",
  note: "备注",
  serial: "证书编号",
  minutes: "分钟数",
  stem: "题干",
  options: "选项",
  answer: "答案",
  explanation: "解析",
  chapter: "章节",
  difficulty: "难度",
  comment: "意见",
  // Query parameters, named in a refusal the browser shows (`limit：须为十进制整数` said nothing to an officer).
  limit: "每页条数",
  pageSize: "每页条数",
  page: "页码",
  after: "起始游标",
  beforeSeq: "起始序号",
  before: "翻页位置",
  from: "开始时间",
  to: "结束时间",
  wait: "等待时长（毫秒）",
  version: "版本",
  action: "操作",
  // A cross-province case (exchange contracts): the officer's form names these fields so.
  lookupId: "查询凭证",
  practitioner: "从业人员",
  employer: "用人单位",
  creditCode: "统一社会信用代码",
  startDate: "开始从业日期",
  licence: "驾驶证",
  number: "号码",
  class: "准驾车型",
  contact: "联系方式",
  decidedOn: "决定日期",
  points: "记分",
  fineYuan: "罚款（元）",
  documents: "处罚文书",
  mediaType: "文件类型",
  sha256: "文件摘要",
  bytes: "文件大小",
  newCertificateNumber: "新证书编号",
  outcome: "答复结果",
  problem: "异议",
  code: "代码",
  endDate: "终止日期",
  caseId: "事项编号",
  box: "收发方向",
  kind: "事项类型",
  state: "办理状态",
  overdue: "是否逾期",
  // A wrapper whose fields name themselves (a cross-province case's details): `details.reason` is 原因.
  details: "",
};

/** Chinese characters, which Chinese text writes together (用人单位名称, not 用人单位 名称). */
const HAN = /\p{Script=Han}/u;

/**
 * The Chinese name of a field path: its named keys' names in order (details, a wrapper, has none),
 * list positions counted from 1. Names meet without a space, as Chinese words do; a key with no
 * Chinese name is set apart by one.
 */
export function fieldLabel(path: readonly PropertyKey[]): string {
  let label = "";
  for (const key of path) {
    const part =
      typeof key === "number" ? `第 ${key + 1} 项` : (ownEntry(FIELD_LABELS, String(key)) ?? String(key));
    if (!part) continue;
    const joined = label === "" || (HAN.test(label.slice(-1)) && HAN.test(part.charAt(0)));
    label += joined ? part : ` ${part}`;
  }
  return label || "请求内容";
}
