import { z } from "zod";
import { ROLE_LABELS } from "./auth.js";
import { CANCELLATION_REASON_LABELS, CERTIFICATE_STATUS_LABELS, ISSUE_KIND_LABELS } from "./certificates.js";
import { LOOKUP_BY_LABELS, LOOKUP_REASON_LABELS } from "./hub.js";
import { wholeNumber } from "./validation.js";
import { ownEntry } from "./own-entry.js";

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
  "candidate.updated": "修改报名信息",
  "candidate.withdrawn": "撤销报名",
  "candidate.reinstated": "恢复报名",
  "candidate.categories_added": "报考新类别",
  "user.created": "新建用户",
  "user.updated": "修改用户",
  "user.roles_changed": "变更用户角色",
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
  "exchange.filing.acknowledged": "确认异地备案",
  "exchange.filing.problem": "对异地备案提出异议",
  "exchange.filing.ended": "终止异地备案",
  "exchange.transfer.sent": "发出转籍申请",
  "exchange.transfer.refused": "转籍申请被拒收",
  "exchange.transfer.acknowledged": "确认转籍申请",
  "exchange.transfer.problem": "对转籍申请提出异议",
  "exchange.transfer.ended": "终止转籍",
  "exchange.transfer.issued": "转籍换发新证",
  "exchange.transfer.source_ended": "原籍省份告知换发所依据的证书此前已吊销或撤销",
  "exchange.notice.sent": "发出违法抄告",
  "exchange.notice.refused": "违法抄告被拒收",
  "exchange.notice.acknowledged": "确认违法抄告",
  "exchange.notice.problem": "对违法抄告提出异议",
  "exchange.notice.ended": "终止违法抄告",
  "exchange.document.uploaded": "上传抄告材料",
  "exchange.document.expired": "清除过期未用材料",
  "hub.lookup": "全国资格查询",
  "hub.legacy_register_published": "上报存量数据",
  "hub.legacy_register_entry_cancelled": "存量记录因转籍注销",
  "hub.report_published": "签名发布月度通报",
  "hub.node_registered": "登记或更新省级节点（节点密钥）",
  "hub.node_status_changed": "暂停或恢复省级节点",
  "hub.certificate_keys_announced": "省级节点公告证照签名密钥",
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
}

/** Detail fields that hold a division's code (GB/T 2260), shown by the division's name. */
const DIVISION_DETAIL_KEYS: readonly string[] = [
  "divisionCode",
  "fromProvince",
  "toProvince",
  "addressDivisionCode",
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
    actorId: z.string().max(64).optional(),
    targetId: z.string().max(64).optional(),
    before: AuditCursor.optional(),
    limit: wholeNumber(1, 200).default(50),
  })
  .strict();
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

/** Readable names of the detail fields services write (the log keeps the field codes). */
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  candidateName: "考生",
  candidateId: "考生编号",
  name: "名称",
  displayName: "姓名",
  username: "用户名",
  roles: "角色",
  categoryCode: "类别",
  categories: "类别",
  testCentreName: "考点",
  sessionsRenamed: "随之更新的待考场次数",
  roomName: "考场",
  seatNo: "座位号",
  ticketNo: "准考证号",
  startsAt: "开考时间",
  durationMinutes: "时长（分钟）",
  lateEntryMinutes: "迟到禁入（分钟）",
  earliestHandInMinutes: "最早交卷（分钟）",
  status: "状态",
  reason: "理由",
  note: "说明",
  minutes: "分钟",
  attempts: "人数",
  whole: "全场",
  submitted: "交卷人数",
  late: "逾期发布",
  onSitePhoto: "现场拍照",
  ip: "IP 地址",
  tokenIssued: "生成座位令牌",
  seats: "座位数",
  divisionCode: "行政区划",
  phone: "电话",
  address: "地址",
  from: "原状态",
  to: "新状态",
  version: "版本",
  validFrom: "有效期起",
  validTo: "有效期至",
  kind: "发证方式",
  kid: "签名密钥",
  previousKid: "更换前的签名密钥",
  scheduled: "按计划自动执行",
  attemptId: "答卷编号",
  attemptIds: "答卷",
  done: "已执行",
  sessionId: "场次编号",
  seatId: "座位编号",
  testCentreId: "考点编号",
  tokenCleared: "清除座位令牌",
  loginName: "登录名",
  changed: "修改项",
  before: "修改前",
  filename: "文件名",
  fileName: "文件名",
  registered: "报名人数",
  sha256: "文件摘要",
  format: "格式",
  publish: "同时发布",
  provinces: "省份数",
  rows: "行数",
  event: "事件",
  idNumber: "身份证号",
  lookupId: "查询编号",
  by: "查询方式",
  caseReference: "案卷编号",
  caseId: "事项编号",
  code: "原因代码",
  certificateNo: "证号",
  serial: "证书编号",
  fromProvince: "原发证省份",
  toProvince: "转入省份",
  sourceSerial: "原证书编号",
  sourceKid: "原签名密钥",
  basis: "依据",
  mediaType: "文件类型",
  bytes: "大小（字节）",
  uploadedAt: "上传时间",
  addressDivisionCode: "户籍或居住地",
  active: "启用",
  passwordReset: "重置密码",
  unlocked: "解除锁定",
  firstRegistration: "首次登记",
  nodeKeysAdded: "新登记的节点密钥",
  nodeKeysRetired: "随之停用的节点密钥",
  certificateKids: "登记的证照签名密钥",
  endpoint: "节点地址",
  nodeStatus: "节点状态",
  kidsAdded: "新列入的证照签名密钥",
  kidsEnded: "提前截止的证照签名密钥",
};

/**
 * Codes some detail fields hold, by field, as people read them. A value not listed (free text, a
 * code added later) is shown as it is.
 */
const DETAIL_VALUE_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  roles: ROLE_LABELS,
  from: CERTIFICATE_STATUS_LABELS,
  to: CERTIFICATE_STATUS_LABELS,
  kind: ISSUE_KIND_LABELS,
  by: LOOKUP_BY_LABELS,
  nodeStatus: { active: "正常", suspended: "暂停" },
  reason: {
    ...CANCELLATION_REASON_LABELS,
    ...LOOKUP_REASON_LABELS,
    // Why a login or a proctor's action was refused (the error code the refusal carried).
    invalid_credentials: "账号或口令错误",
    account_locked: "失败次数过多，已暂时锁定",
    session_cancelled: "考试场次已取消",
    outside_session_window: "不在登录时段",
    not_from_session_room: "不在本场考场座位上",
    not_assigned_seat: "不在指定座位上",
    validation_failed: "输入不合规",
    not_this_session: "非本人监考的场次",
    error: "系统错误",
  },
};

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
const SHADOWED_BY: Readonly<Record<string, string>> = { candidateId: "candidateName", roomId: "roomName" };

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
  },
): { label: string; value: string }[] {
  const text = (key: string, v: unknown): string => {
    if (v === null || v === undefined) return "—";
    if (typeof v === "boolean") return v ? "是" : "否";
    if (typeof v === "string") {
      if ((key === "categoryCode" || key === "categories") && options.categoryName(v))
        return options.categoryName(v) ?? v;
      if (DIVISION_DETAIL_KEYS.includes(key)) return options.divisionName?.(v) ?? v;
      // A correction lists the fields it changed: by their names too.
      if (key === "changed") return labelOf(v);
      const values = ownEntry(DETAIL_VALUE_LABELS, key);
      const named = values && ownEntry(values, v);
      if (named) return named;
      return ISO_INSTANT.test(v) ? options.formatInstant(v) : v;
    }
    if (Array.isArray(v)) return v.map((x) => text(key, x)).join("、");
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
