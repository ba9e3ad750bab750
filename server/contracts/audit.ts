import { z } from "zod";
import { wholeNumber } from "./validation.js";
import { canonicalId } from "./auth.js";
import { ownEntry } from "./own-entry.js";
import { DETAIL_LABELS, DETAIL_VALUE_LABELS } from "./audit-labels.js";

export { DETAIL_LABELS as AUDIT_DETAIL_LABELS } from "./audit-labels.js";

/** Who did something, as the audit log records it. */
export interface AuditActor {
  id: string;
  kind: "staff" | "candidate" | "system" | "anonymous";
  name: string;
}

/** One entry of the hash-chained audit log. */
export interface AuditEntryDto {
  seq: number;
  at: string;
  action: string;
  actor: AuditActor;
  divisionCode: string | null;
  /** The division's name (GB/T 2260), null when the entry has no division. */
  divisionName: string | null;
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** What the chain verifier found: each problem names the entry by its sequence number. */
export interface AuditVerificationDto {
  ok: boolean;
  checked: number;
  /** The first problems found (at most 200; a run of deleted entries is one). */
  problems: { seq: number; kind: "edited" | "deleted" | "broken_link"; message: string }[];
  /** Every problem found, listed or not. */
  problemCount: number;
}

/**
 * Readable names of the audit actions (the log stores the stable code; screens and exports show
 * these). The audit page's action filter offers exactly these codes, and `AuditAction` is their
 * keys: a service cannot record an action that has no name here (the compiler refuses it), so no
 * screen shows a bare code.
 */
export const AUDIT_ACTION_LABELS = {
  "auth.login": "工作人员登录",
  "auth.login_failed": "工作人员登录失败",
  "auth.logout": "退出登录",
  "auth.password_changed": "修改密码",
  "candidate.login": "考生登录",
  "candidate.login_failed": "考生登录失败",
  "auth.login_failures_summarised": "登录失败汇总（超出逐条记录限额）",
  "candidate.registered": "考生报名",
  "candidate.imported": "批量导入报名",
  "candidate.import_checked": "批量导入报名预检（未写入）",
  "candidate.updated": "修改报名信息",
  "candidate.withdrawn": "撤销报名",
  "candidate.reinstated": "恢复报名",
  "candidate.categories_added": "报考新类别",
  "candidate.photo_replaced": "更换考生照片",
  "user.created": "新建用户",
  "user.updated": "修改用户",
  "user.roles_changed": "变更用户角色",
  "user.grant_requested": "提出授权（待另一管理员批准）",
  "user.grant_approved": "批准授权",
  "user.grant_rejected": "驳回授权",
  "authority.created": "新建运管机构",
  "authority.updated": "修改运管机构",
  "authority.retired": "停用运管机构",
  "test_centre.created": "新建考点",
  "test_centre.updated": "修改考点",
  "test_centre.retired": "停用考点",
  "room.created": "新建考场",
  "room.updated": "修改考场",
  "room.retired": "停用考场",
  "seat.updated": "设置座位终端",
  "session.created": "新建考试场次",
  "session.updated": "修改考试场次",
  "session.cancelled": "取消考试场次",
  "session.blueprint_pinned": "确定场次组卷方案版本",
  "session.candidate_assigned": "安排考生座位",
  "session.candidate_unassigned": "取消考生座位",
  "exam.check_in": "考生签到",
  "exam.release": "开考放行",
  "exam.early_release": "提前放行",
  "exam.results_published": "发布成绩",
  "exam.cross_attempt_refused": "拒绝越权作答",
  "proctor.refused": "拒绝监考操作",
  "proctor.pause": "暂停考试",
  "proctor.resume": "恢复考试",
  "proctor.extend": "延长考试时间",
  "proctor.extend_requested": "申请延时",
  "proctor.extend_approved": "批准延时",
  "proctor.extend_rejected": "驳回延时",
  "proctor.force_submit": "强制交卷",
  "proctor.void": "作废答卷",
  "proctor.incident": "记录考场事件",
  "proctor.credit_outage": "补偿断线时间",
  "proctor.unlock_login": "解除考生登录锁定",
  "question_bank.imported": "导入试题",
  "question_bank.question_created": "新建试题",
  "question_bank.question_edited": "编辑试题",
  "question_bank.question_new_version": "试题新版本",
  "question_bank.question_submitted": "试题提交审核",
  "question_bank.question_approved": "试题审核通过",
  "question_bank.question_returned": "试题退回修改",
  "question_bank.question_retired": "试题停用",
  "question_bank.question_quarantined": "试题隔离",
  "question_bank.question_released": "试题解除隔离",
  "question_bank.blueprint_saved": "保存组卷方案",
  "question_bank.blueprint_published": "发布组卷方案",
  "certificate.issued": "发证",
  "certificate.issuance_rejected": "不予发证",
  "certificate.renewed": "延续换证",
  "certificate.cancelled": "注销证书",
  "certificate.revoked": "吊销证书",
  "certificate.withdrawn": "撤销证书",
  "certificate.transfer_issued_over_ended": "他省转籍换发时本省证书已吊销或撤销",
  "certificate.key_rotated": "轮换签名密钥",
  "exchange.filing.sent": "发出异地备案",
  "exchange.filing.refused": "异地备案被拒收",
  "exchange.filing.refused_by_node": "本节点拒绝发出异地备案",
  "exchange.filing.acknowledged": "确认异地备案",
  "exchange.filing.problem": "对异地备案提出异议",
  "exchange.filing.ended": "终止异地备案",
  "exchange.transfer.sent": "发出转籍申请",
  "exchange.transfer.refused": "转籍申请被拒收",
  "exchange.transfer.refused_by_node": "本节点拒绝发出转籍申请",
  "exchange.transfer.acknowledged": "确认转籍申请",
  "exchange.transfer.problem": "对转籍申请提出异议",
  "exchange.transfer.ended": "终止转籍",
  "exchange.transfer.issued": "转籍换发新证",
  "exchange.transfer.source_ended": "原籍省份告知换发所依据的证书此前已吊销或撤销",
  "exchange.notice.sent": "发出违法抄告",
  "exchange.notice.refused": "违法抄告被拒收",
  "exchange.notice.refused_by_node": "本节点拒绝发出违法抄告",
  "exchange.notice.acknowledged": "确认违法抄告",
  "exchange.notice.problem": "对违法抄告提出异议",
  "exchange.notice.ended": "撤回违法抄告",
  "exchange.notice.dispute_withdrawn": "撤回对违法抄告的异议",
  "exchange.answer_refused": "答复被全国中心拒收",
  "exchange.end_refused": "终止被全国中心拒收",
  "exchange.message_refused": "发往全国中心的消息被拒收",
  "exchange.resend": "重新发送未能送达全国中心的消息",
  "exchange.document.uploaded": "上传抄告材料",
  "exchange.document.expired": "清除过期未用材料",
  "hub.lookup": "全国资格查询",
  "hub.lookup_answered": "全国资格查询已获答复",
  "hub.lookup_refused": "全国资格查询未获答复",
  "hub.legacy_register_published": "上报存量数据",
  "hub.legacy_register_entry_cancelled": "存量记录因转籍注销",
  "hub.outbound_retried": "重发被全国中心拒收或搁置的上报记录",
  "hub.report_published": "签名发布月度通报",
  "hub.node_registered": "登记或更新省级节点（节点密钥）",
  "hub.node_status_changed": "暂停或恢复省级节点",
  "hub.certificate_keys_announced": "省级节点公告证照签名密钥",
  "hub.status_list_replaced": "省级节点更新证照状态列表",
  "hub.home_reassigned": "全国中心改定从业人员主管省份（争议处理）",
  "hub.home_contest_dismissed": "全国中心驳回主管省份争议（维持现主管省份）",
  "node.key_repinned": "按启动设置更换本节点记录的节点密钥",
} as const satisfies Record<string, string>;

/** An action the log may record: only one with a readable name, so no screen shows a bare code. */
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS;

/** The readable name of an action; unknown codes are shown as they are. */
export function auditActionLabel(action: string): string {
  return ownEntry(AUDIT_ACTION_LABELS, action) ?? action;
}

/**
 * GET /api/audit: a page of entries (newest first), how many entries the viewer may see under the
 * filter, and where the next, older page starts (`before`), or null on the last page.
 */
export interface AuditListDto {
  entries: AuditEntryDto[];
  total: number;
  next: string | null;
  /** The names of the divisions the entries' details name by code (`DIVISION_DETAIL_KEYS`). */
  divisionNames: Record<string, string>;
  /**
   * What the ids in the entries' details (`AUDIT_REFERENCE_KINDS`) name, by id, as their features
   * read them now: a session, a candidate, a seat, an attempt. An id whose target is gone is absent.
   */
  references: Record<string, string>;
}

/**
 * Detail fields that hold the id of a thing another feature keeps, by the kind of thing: the log
 * keeps the id (a name changes, the id does not), the list names it as its owner reads it now.
 */
export const AUDIT_REFERENCE_KINDS = {
  sessionId: "session",
  candidateId: "candidate",
  seatId: "seat",
  attemptId: "attempt",
  attemptIds: "attempt",
} as const satisfies Record<string, string>;
export type AuditReferenceKind = (typeof AUDIT_REFERENCE_KINDS)[keyof typeof AUDIT_REFERENCE_KINDS];

/** The ids of each kind an entry's details name (`AUDIT_REFERENCE_KINDS`). */
export function referencesIn(details: Record<string, unknown>): { kind: AuditReferenceKind; id: string }[] {
  const found: { kind: AuditReferenceKind; id: string }[] = [];
  for (const [key, value] of Object.entries(details)) {
    const kind = ownEntry(AUDIT_REFERENCE_KINDS, key);
    if (!kind) continue;
    for (const id of Array.isArray(value) ? value : [value])
      if (typeof id === "string") found.push({ kind, id });
  }
  return found;
}

/** An id no name was found for, cut short: the full id stays in the raw entry (the row's tooltip). */
export function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/** Detail fields that hold a division's code (GB/T 2260), shown by the division's name. */
const DIVISION_DETAIL_KEYS: readonly string[] = [
  "divisionCode",
  "fromProvince",
  "toProvince",
  "addressDivisionCode",
  "homeProvince",
  "keptProvince",
  "claimant",
];

/**
 * Every division code an entry's details name (a `…Before` value and both sides of a change
 * included): what the server names for `divisionNames`, read the way `auditDetailLines` shows them.
 */
export function divisionCodesIn(details: Record<string, unknown>): string[] {
  const codes: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (!DIVISION_DETAIL_KEYS.includes(beforeOf(key) ?? key)) continue;
    const change = fromTo(value);
    for (const code of change ? [change.from, change.to] : [value])
      if (typeof code === "string") codes.push(code);
  }
  return codes;
}

/**
 * Where a page of the audit log starts: the `next` the page before it answered, passed back as
 * it is. The log only grows at its new end, so a page read by it holds still while entries are
 * recorded (an offset would shift by every new entry, showing one twice).
 */
export const AuditCursor = z
  .string()
  // At most 15 digits: every such number is a safe integer, so Number() reads it exactly.
  .regex(/^[1-9]\d{0,14}$/, "不是本列表给出的翻页位置");

export const ListAuditQuery = z
  .object({
    // One of the recorded actions: a mistyped one is refused, not answered with an empty page
    // that reads as "no such entries".
    action: z
      .enum(Object.keys(AUDIT_ACTION_LABELS) as [AuditAction, ...AuditAction[]], {
        error: "不是审计日志记录的操作",
      })
      .optional(),
    // Ids as the log stores them: an ObjectId typed in upper case found nothing (canonicalId).
    actorId: z.string().max(64).overwrite(canonicalId).optional(),
    targetId: z.string().max(64).overwrite(canonicalId).optional(),
    before: AuditCursor.optional(),
    limit: wholeNumber(1, 200).default(50),
  })
  .strict();
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

/** The field a `…Before` key holds the old value of (a correction records `phoneBefore`, `phone`). */
function beforeOf(key: string): string | null {
  const base = key.endsWith("Before") ? key.slice(0, -"Before".length) : "";
  return base && Object.hasOwn(DETAIL_LABELS, base) ? base : null;
}

/** A detail field's Chinese name; the code itself for a field without one, so nothing is hidden. */
function labelOf(key: string): string {
  const base = beforeOf(key);
  if (base) return `${DETAIL_LABELS[base]}（修改前）`;
  return ownEntry(DETAIL_LABELS, key) ?? key;
}

/** `{ from, to }`, the shape a changed field is recorded in; null for anything else. */
function fromTo(v: unknown): { from: unknown; to: unknown } | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const keys = Object.keys(v);
  return keys.length === 2 && Object.hasOwn(v, "from") && Object.hasOwn(v, "to")
    ? (v as { from: unknown; to: unknown })
    : null;
}

/** Fields not worth a line once a name says the same (the id behind a name stays in the raw entry). */
const SHADOWED_BY: Readonly<Record<string, string>> = {
  candidateId: "candidateName",
  roomId: "roomName",
  testCentreId: "testCentreName",
  blueprint: "blueprintVersion",
  blueprintId: "blueprintVersion",
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An entry's details as lines a person reads: field names in Chinese, category codes as names,
 * instants in the node's zone (through `formatInstant`), yes/no for flags; ids shadowed by a name
 * are left out. Unknown fields are kept with their code as the label, so nothing is hidden.
 */
export function auditDetailLines(
  details: Record<string, unknown>,
  options: {
    formatInstant: (iso: string) => string;
    categoryName: (code: string) => string | undefined;
    divisionName?: (code: string) => string | undefined;
    /** The list's `references`: ids named as their features read them (absent: short ids). */
    references?: Readonly<Record<string, string>>;
  },
): { label: string; value: string }[] {
  const text = (key: string, v: unknown): string => {
    // A session scheduled before its category had a blueprint takes one at its first check-in.
    if (key === "blueprintVersion") return typeof v === "number" ? `第 ${v} 版` : "未确定（首次签到时确定）";
    if (v === null || v === undefined) return "—";
    if (typeof v === "boolean") return v ? "是" : "否";
    if (typeof v === "string") {
      if ((key === "categoryCode" || key === "categories") && options.categoryName(v))
        return options.categoryName(v) ?? v;
      if (DIVISION_DETAIL_KEYS.includes(key)) return options.divisionName?.(v) ?? v;
      if (Object.hasOwn(AUDIT_REFERENCE_KINDS, key))
        return (options.references && ownEntry(options.references, v)) ?? shortId(v);
      // A correction lists the fields it changed: by their names too.
      if (key === "changed") return labelOf(v);
      const values = ownEntry(DETAIL_VALUE_LABELS, key);
      const named = values && ownEntry(values, v);
      if (named) return named;
      return ISO_INSTANT.test(v) ? options.formatInstant(v) : v;
    }
    // An empty list (no node keys retired) says so rather than leaving a blank after the label.
    if (Array.isArray(v)) return v.length === 0 ? "无" : v.map((x) => text(key, x)).join("、");
    // A change of one field (a user's roles or division): both sides read like the field itself.
    const change = fromTo(v);
    if (change) return `${text(key, change.from)} → ${text(key, change.to)}`;
    if (typeof v === "object") return JSON.stringify(v);
    return String(v as number);
  };
  return Object.entries(details)
    .filter(([key]) => {
      const shadow = ownEntry(SHADOWED_BY, key);
      return !(shadow && Object.hasOwn(details, shadow));
    })
    .map(([key, v]) => ({ label: labelOf(key), value: text(beforeOf(key) ?? key, v) }));
}
