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
  ["POST", /^\/exchange\/cases\/[^/]+\/answer$/, "跨省交换 · 户籍省答复"],
  ["POST", /^\/exchange\/cases\/[^/]+\/end$/, "跨省交换 · 结束备案"],
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
