/**
 * What an inter-node request was, in the words of the three interfaces (数据采集, 数据目录服务,
 * 跨省交换), for the hub's message log. Matched on method and path without the query string; a
 * request this table does not know shows its path alone rather than a guessed name.
 */
const OPERATIONS: readonly [method: string, path: RegExp, label: string][] = [
  ["POST", /^\/collection\/records$/, "数据采集 · 发布资格记录"],
  ["POST", /^\/status-lists$/, "数据采集 · 发布证件状态列表"],
  ["GET", /^\/status-lists\/\d{6}$/, "数据目录 · 读取证件状态列表"],
  ["POST", /^\/catalog\/lookups$/, "数据目录 · 查询从业人员"],
  ["GET", /^\/catalog\/changes$/, "数据目录 · 拉取变更（轮询）"],
  ["GET", /^\/catalog\/lookup-notices$/, "数据目录 · 拉取查询通知（轮询）"],
  ["POST", /^\/exchange\/cases$/, "跨省交换 · 发送备案、转籍或处罚通报"],
  ["POST", /^\/exchange\/cases\/[^/]+\/answer$/, "跨省交换 · 户籍省答复"],
  ["POST", /^\/exchange\/cases\/[^/]+\/end$/, "跨省交换 · 结束备案"],
  ["POST", /^\/exchange\/cases\/[^/]+\/issued$/, "跨省交换 · 报告转籍发证"],
  ["POST", /^\/exchange\/cases\/[^/]+\/documents$/, "跨省交换 · 发送文书"],
  ["GET", /^\/exchange\/cases\/[^/]+\/documents\/[0-9a-f]{64}$/, "跨省交换 · 读取文书"],
  ["GET", /^\/exchange\/inbox$/, "跨省交换 · 拉取收件箱（轮询）"],
];

const PREFIX = "/api/hub/v1";

/** The request's name, or null when it is not one of the interfaces' operations. */
export function messageOperation(method: string, target: string): string | null {
  const path = target.split("?")[0] ?? "";
  if (!path.startsWith(`${PREFIX}/`)) return null;
  const rest = path.slice(PREFIX.length);
  return OPERATIONS.find(([m, re]) => m === method && re.test(rest))?.[2] ?? null;
}
