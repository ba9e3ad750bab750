import { z } from "zod";
import { wholeNumber } from "./validation.js";

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
  problems: { seq: number; kind: "edited" | "deleted" | "broken_link"; message: string }[];
}

/**
 * Readable names of the audit actions (the log stores the stable code; screens and exports show
 * these). The audit page's action filter offers exactly these codes.
 */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  "auth.login": "工作人员登录",
  "auth.login_failed": "工作人员登录失败",
  "auth.logout": "退出登录",
  "auth.password_changed": "修改密码",
  "candidate.login": "考生登录",
  "candidate.login_failed": "考生登录失败",
  "candidate.registered": "考生报名",
  "candidate.imported": "批量导入报名",
  "candidate.updated": "修改报名信息",
  "candidate.withdrawn": "撤销报名",
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
};

/** The readable name of an action; unknown codes are shown as they are. */
export function auditActionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? action;
}

/** GET /api/audit: a page of entries and how many entries the viewer may see under the filter. */
export interface AuditListDto {
  entries: AuditEntryDto[];
  total: number;
}

export const ListAuditQuery = z
  .object({
    action: z.string().max(64).optional(),
    actorId: z.string().max(64).optional(),
    targetId: z.string().max(64).optional(),
    beforeSeq: wholeNumber(1).optional(),
    limit: wholeNumber(1, 200).default(50),
  })
  .strict();
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

/** Readable names of the detail fields services write (the log keeps the field codes). */
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  candidateName: "考生",
  candidateId: "考生编号",
  name: "名称",
  username: "用户名",
  roles: "角色",
  categoryCode: "类别",
  categories: "类别",
  testCentreName: "考点",
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
  ip: "考试机 IP",
  tokenIssued: "生成座位令牌",
  seats: "座位数",
  divisionCode: "行政区划",
  phone: "电话",
  address: "地址",
};

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
      if (key === "divisionCode") return options.divisionName?.(v) ?? v;
      return ISO_INSTANT.test(v) ? options.formatInstant(v) : v;
    }
    if (Array.isArray(v)) return v.map((x) => text(key, x)).join("、");
    if (typeof v === "object") return JSON.stringify(v);
    return String(v as number);
  };
  return Object.entries(details)
    .filter(([key]) => !(SHADOWED_BY[key] && SHADOWED_BY[key] in details))
    .map(([key, v]) => ({ label: DETAIL_LABELS[key] ?? key, value: text(key, v) }));
}
