/**
 * What an inter-node request was, in the words of the three interfaces (数据采集, 数据目录服务,
 * 跨省交换), for the hub's message log. Matched on method and path without the query string; a
 * request this table does not know shows its path alone rather than a guessed name.
 */
const OPERATIONS: readonly [method: string, path: RegExp, label: string][] = [
  ["POST", /^\/collection\/records$/, "数据采集 · 发布资格记录"],
  ["POST", /^\/status-lists$/, "数据采集 · 发布证件状态列表"],
  ["POST", /^\/certificate-keys$/, "数据采集 · 公布证书密钥"],
  ["GET", /^\/status-lists$/, "数据目录 · 列出证件状态列表"],
  ["GET", /^\/status-lists\/\d{6}$/, "数据目录 · 读取证件状态列表"],
  ["POST", /^\/catalog\/lookups$/, "数据目录 · 查询从业人员"],
  ["GET", /^\/catalog\/changes$/, "数据目录 · 拉取变更（轮询）"],
  ["GET", /^\/catalog\/lookup-notices$/, "数据目录 · 拉取查询通知（轮询）"],
  ["POST", /^\/exchange\/cases$/, "跨省交换 · 发送备案、转籍或处罚通报"],
  ["POST", /^\/exchange\/cases\/[^/]+\/answer$/, "跨省交换 · 所属省份答复"],
  ["POST", /^\/exchange\/cases\/[^/]+\/dispute-withdrawal$/, "跨省交换 · 所属省份撤回异议"],
  // One path ends a filing and withdraws a transfer: the log cannot tell which from the path alone.
  ["POST", /^\/exchange\/cases\/[^/]+\/end$/, "跨省交换 · 结束案件（终止备案或撤回转籍）"],
  ["POST", /^\/exchange\/cases\/[^/]+\/issued$/, "跨省交换 · 报告转籍发证"],
  ["POST", /^\/exchange\/cases\/[^/]+\/source-ended$/, "跨省交换 · 告知原证已吊销或撤销"],
  ["GET", /^\/exchange\/cases\/[^/]+\/source-record$/, "跨省交换 · 读取原发证记录"],
  ["POST", /^\/exchange\/cases\/[^/]+\/documents$/, "跨省交换 · 发送文书"],
  ["GET", /^\/exchange\/cases\/[^/]+\/documents\/[0-9a-f]{64}$/, "跨省交换 · 读取文书"],
  ["GET", /^\/exchange\/inbox$/, "跨省交换 · 拉取收件箱（轮询）"],
  // The hub's public reads (no signature needed; listed so no request in the log reads 其他请求).
  ["GET", /^\/identity$/, "公开信息 · 读取全国中心身份"],
  ["GET", /^\/trust-list$/, "公开信息 · 读取信任列表"],
  ["GET", /^\/openapi\/[\w-]+\.json$/, "公开信息 · 读取接口文档"],
  ["GET", /^\/docs$/, "公开信息 · 浏览接口文档"],
  ["GET", /^\/reports$/, "公开信息 · 列出月度报告"],
  ["GET", /^\/reports\/\d{4}-\d{2}$/, "公开信息 · 读取月度报告"],
];

const PREFIX = "/api/hub/v1";

/**
 * The method the log records for its summary of unsigned refusals (node-gate.ts
 * `unsignedSummaryEntry`): one entry standing for requests to any path.
 */
const ANY_METHOD = "*";

/** The request's name, or null when it is not one of the interfaces' operations. */
export function messageOperation(method: string, target: string): string | null {
  if (method === ANY_METHOD) return "未认证请求汇总";
  const path = target.split("?")[0] ?? "";
  if (!path.startsWith(`${PREFIX}/`)) return null;
  const rest = path.slice(PREFIX.length);
  return OPERATIONS.find(([m, re]) => m === method && re.test(rest))?.[2] ?? null;
}

/** Why the hub refused or failed a message, for the operator (the code stays beside it, muted). */
const CODE_LABELS: Readonly<Record<string, string>> = {
  unknown_key: "未登记的节点密钥",
  unauthenticated_not_logged: "未认证请求（未逐条记录）",
  node_suspended: "节点已被停用",
  node_unauthenticated: "未经节点签名认证",
  signature_missing: "消息未签名",
  signature_malformed: "签名格式不合法",
  signature_invalid: "签名验证失败",
  signature_expired: "签名已过期",
  signature_components_missing: "签名未覆盖必需的组件",
  signature_params_missing: "签名参数缺失或不合法",
  signature_alg_unsupported: "签名算法不受支持",
  content_digest_mismatch: "消息体摘要不符",
  clock_skew: "签名时间超出允许的时钟偏差",
  nonce_reused: "请求标识已被其他消息使用",
  replay_in_progress: "同一消息正在处理中",
  rate_limited: "节点请求过于频繁",
  validation_failed: "请求内容不合法",
  not_found: "请求的资源不存在",
  forbidden: "无权执行该操作",
  payload_too_large: "消息过大",
  internal_error: "服务器内部错误",
  // The exchange interface's refusals (server/exchange): why a case, answer or ending was not taken.
  lookup_required: "未附查询凭证",
  lookup_mismatch: "查询凭证不符",
  practitioner_unknown: "全国中心无该人员资格记录",
  own_practitioner: "本省人员无需跨省办理",
  identity_mismatch: "姓名与身份证号码不符",
  no_certificate: "该人员尚未取得从业资格证",
  certificate_not_valid: "证件已注销、吊销或撤销",
  certificate_expired: "证件已过有效期",
  already_filed: "已在本辖区备案",
  transfer_open: "已有进行中的转籍",
  notice_duplicate: "同一处罚决定书文号已抄告",
  lookup_used: "查询凭证所依据的转籍已被拒绝，须重新查询",
  office_division_invalid: "经办机构的行政区划代码无效",
  case_conflict: "同一编号的事项内容不同",
  case_not_found: "交换事项不存在",
  case_busy: "事项正在处理中",
  case_ended: "事项已结束",
  not_case_recipient: "非该事项的接收省份",
  not_case_sender: "非该事项的发起省份",
  already_answered: "事项已答复",
  not_endable: "抄告只有在对方提出异议后才能撤回",
  not_disputed: "抄告当前没有异议",
  not_a_notice: "该事项不是抄告",
  not_a_transfer: "该事项不是转籍",
  transfer_not_accepted: "原籍省份尚未同意转籍",
  transfer_not_issued: "转籍尚未换发新证",
  already_issued: "转籍已换发新证",
  home_moved: "人员所属省份已不是答复方",
  no_valid_certificate: "无有效证书，不能同意转籍",
  certificate_not_expected: "只有同意转籍时才附证书",
  source_ended_reported: "原证吊销或撤销已告知",
  document_pending: "文书尚未送达全国中心",
  document_not_in_case: "文书不属于该事项",
  document_empty: "文书为空",
  document_too_large: "文书过大",
  document_type_unsupported: "文书类型不受支持",
  document_digest_mismatch: "文书摘要不符",
  future_date: "日期晚于今天",
  invalid_date: "日期不合法",
  // Home contests (主管省份争议): a province's refused record and the operator's reassignment.
  home_contested: "主管省份存在争议，已登记待全国中心核实",
  certificate_number_in_use: "证件号码已属他人",
  contest_stale: "争议登记后记录已变化，待提出省份重新发送",
  contest_closed: "该主管省份争议已处理",
  contest_not_found: "主管省份争议不存在",
  claimant_not_active: "提出省份的节点已停用，不能改定",
};

/** The Chinese name of a message's error code; a code this table does not know is 其他错误. */
export function messageCodeLabel(code: string): string {
  return CODE_LABELS[code] ?? "其他错误";
}

/** The interface line of an entry: the summary of unsigned refusals stands for every path. */
export function messageEndpoint(method: string, target: string): string {
  return method === ANY_METHOD ? `全部接口（${target}）` : `${method} ${target}`;
}

/** The other side of a message: a province by name, the hub, or 未知来源 for an unsigned caller. */
export function messagePeerName(peer: string, provinceName: (code: string) => string): string {
  if (peer === "unknown" || peer === "") return "未知来源";
  if (peer === "hub") return "全国中心";
  return provinceName(peer);
}
