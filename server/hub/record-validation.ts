import { createHash } from "node:crypto";
import { MAX_REJECT_REASONS, QualificationRecord, type RejectCode, type RejectReason } from "../contracts/hub.js";
import { checkIdNumber } from "../lib/id-number.js";
import { isKnownDivision, isPlausibleIdDivision } from "../organisation/index.js";

export type RecordCheck =
  | { ok: true; record: QualificationRecord; hash: string }
  | { ok: false; recordId: string | null; version: number | null; reasons: RejectReason[] };

/**
 * The reason of a new record refused because its practitioner already holds the most records one
 * province may publish of a person (MAX_RECORDS_PER_PRACTITIONER); updates of held records apply.
 */
export const TOO_MANY_RECORDS: RejectCode = "too_many_records";

/**
 * The reason of a new record refused because its practitioner's home holds no valid certificate of
 * them and another province publishes them (home-contests.ts): recorded for the hub operator.
 */
export const HOME_CONTESTED: RejectCode = "home_contested";

/**
 * True when `record` makes a valid certificate of a held record that was none (cancelled by a
 * transfer away, revoked, withdrawn, deleted, or an exam pass). A former home (转籍) may keep
 * updating the records it published, but not so: the hub would then hold a valid certificate of the
 * former home beside the home's, and lookups could show both (one licence per person). Judged by
 * state, as checkRecord ties a certificate's state to its status.
 */
export function revivesCertificate(
  record: Pick<QualificationRecord, "recordType" | "state" | "operation">,
  held: Pick<QualificationRecord, "recordType" | "state" | "operation">,
): boolean {
  const validCertificate = (r: typeof record) =>
    r.recordType === "certificate" && r.state === "valid" && r.operation !== "delete";
  return validCertificate(record) && !validCertificate(held);
}

/**
 * One certificate number, one holder: the reason a certificate record is refused when its number
 * is already another practitioner's (certificate-claims.ts).
 */
export const CERTIFICATE_NUMBER_IN_USE: RejectCode = "certificate_number_in_use";

/**
 * Records one province may hold of one practitioner (by record id; versions replace each other).
 * A person has a pass per category (seven) and a certificate or a few per province, so this leaves
 * room for decades of re-examinations and re-issues; without a bound, every new record of a person
 * re-read all the others inside its round's transaction, on the queue every province's rounds share.
 */
export const MAX_RECORDS_PER_PRACTITIONER = 50;

/**
 * A reason within the published bounds (RejectReason: field ≤ 200, message ≤ 500 characters).
 * zod's messages quote what was sent (an unknown key's name, for one), so a province could
 * otherwise make the hub's receipt as long as its request, and the hub would refuse to send it.
 */
function bounded(code: RejectCode, field: string | null, message: string): RejectReason {
  const max = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  return {
    code,
    field: field === null ? null : max(field, 200),
    message: max(message, 500),
  };
}

/** Beijing time (UTC+8, no DST): the zone MOT's `UpdateTime` is written in. */
function updateTimeToDate(t: string): Date | null {
  const [y, mo, d, h, mi, s] = [t.slice(0, 4), t.slice(4, 6), t.slice(6, 8), t.slice(8, 10), t.slice(10, 12), t.slice(12, 14)].map(Number);
  if ([y, mo, d, h, mi, s].some((n) => n === undefined || Number.isNaN(n))) return null;
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h! - 8, mi!, s!));
  const back = new Date(date.getTime() + 8 * 3600_000);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s)
    return null;
  return date;
}

/**
 * Canonical JSON (keys sorted at every level), so the record hash does not depend on the sender's
 * key order: an identical re-send is recognised whatever serialiser produced it.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

export function recordHash(record: QualificationRecord): string {
  return contentHash(record);
}

/**
 * The same hash of anything a province sent, a record that failed its checks included: the
 * report counts a rejected record once per content, however often it is re-sent.
 */
export function contentHash(raw: unknown): string {
  return createHash("sha256").update(canonical(raw)).digest("hex");
}

/**
 * Checks one published record: its shape (zod), then the domain rules a shape cannot say — a real
 * GB 11643 ID number, known GB/T 2260 codes, provenance equal to the node that signed the batch,
 * dates that exist and agree with each other. Every problem is named, not only the first.
 */
export function checkRecord(raw: unknown, ctx: { signerProvince: string; now: Date }): RecordCheck {
  const ids = raw && typeof raw === "object" ? (raw as { recordId?: unknown; version?: unknown }) : {};
  // Echoed in the receipt, so bounded to what the receipt contract carries (RecordResult): a
  // version beyond 2^53 is an integer to Number.isInteger but not to z.int(), and the hub, having
  // written part of the batch, then refused to send its own answer (500; the province retried).
  const recordId = typeof ids.recordId === "string" ? ids.recordId.slice(0, 100) : null;
  const version = typeof ids.version === "number" && Number.isSafeInteger(ids.version) ? ids.version : null;
  const parsed = QualificationRecord.safeParse(raw);
  if (!parsed.success) {
    const reasons = parsed.error.issues
      .slice(0, MAX_REJECT_REASONS)
      .map((i) => bounded("invalid_field", i.path.join(".") || null, i.message));
    return { ok: false, recordId, version, reasons };
  }
  const r = parsed.data;
  const reasons: RejectReason[] = [];
  const add = (code: RejectCode, field: string | null, message: string) => {
    if (reasons.length < MAX_REJECT_REASONS) reasons.push(bounded(code, field, message));
  };

  if (r.sourceProvince !== ctx.signerProvince)
    add("provenance_mismatch", "sourceProvince", `数据来源省份 ${r.sourceProvince} 与签名节点 ${ctx.signerProvince} 不符`);
  const id = checkIdNumber(r.practitioner.idNumber, { isKnownDivision: isPlausibleIdDivision, today: ctx.now });
  if (!id.ok) for (const p of id.problems) add(p.code, "practitioner.idNumber", p.message);
  else if (id.info.idNumber !== r.practitioner.idNumber)
    add("id_format", "practitioner.idNumber", "身份证号码末位须为大写 X");
  if (!isKnownDivision(r.issuingDivision)) add("unknown_division", "issuingDivision", `未知的行政区划代码 ${r.issuingDivision}`);
  else if (r.issuingDivision.slice(0, 2) !== r.sourceProvince.slice(0, 2))
    add("division_outside_province", "issuingDivision", "发证/考试机构的行政区划不在来源省份内");
  const updated = updateTimeToDate(r.updateTime);
  if (!updated) add("invalid_date", "updateTime", "更新时间不是合法的日期时间");
  else if (updated.getTime() > ctx.now.getTime() + 5 * 60_000) add("future_date", "updateTime", "更新时间晚于当前时间");
  if (new Set(r.categories).size !== r.categories.length) add("duplicate_category", "categories", "从业资格类别重复");

  // Dates in records are Beijing dates: between 16:00 and 24:00 UTC, "today" there is tomorrow here.
  const today = new Date(ctx.now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  if (r.recordType === "exam_pass") {
    if (!r.exam) add("missing_field", "exam", "考试合格记录须含考试信息");
    if (r.certificate) add("inconsistent", "certificate", "考试合格记录不应含证件信息");
    if (r.exam) {
      // A pass qualifies its own category only: any other named beside it was shown as held.
      if (r.categories.length !== 1 || r.categories[0] !== r.exam.categoryCode)
        add("inconsistent", "categories", "考试合格记录的从业资格类别须且仅须为考试类别");
      if (r.exam.score < r.exam.passMark) add("inconsistent", "exam.score", "成绩低于合格分数，不是合格记录");
      if (r.exam.passedOn > today) add("future_date", "exam.passedOn", "考试日期晚于今天");
      if (id.ok && r.exam.passedOn < id.info.birthDate) add("inconsistent", "exam.passedOn", "考试日期早于出生日期");
    }
  } else {
    if (!r.certificate) add("missing_field", "certificate", "证件记录须含证件信息");
    if (r.exam) add("inconsistent", "exam", "证件记录不应含考试信息");
    const c = r.certificate;
    if (c) {
      if (c.validFrom > c.validTo) add("inconsistent", "certificate.validTo", "有效期止早于有效期起");
      if (c.firstIssueDate > c.issueDate) add("inconsistent", "certificate.issueDate", "发证日期早于初领日期");
      if (c.issueDate > today) add("future_date", "certificate.issueDate", "发证日期晚于今天");
      if (id.ok && c.firstIssueDate < id.info.birthDate) add("inconsistent", "certificate.firstIssueDate", "初领日期早于出生日期");
      if ((c.status === "valid") !== (r.state === "valid") && r.operation !== "delete")
        add("inconsistent", "state", "记录状态与证件状态不一致");
    }
  }
  if (r.operation === "delete" && r.state !== "invalid") add("inconsistent", "state", "删除操作的记录状态须为无效");
  if (reasons.length > 0) return { ok: false, recordId: r.recordId, version: r.version, reasons };
  return { ok: true, record: r, hash: recordHash(r) };
}
