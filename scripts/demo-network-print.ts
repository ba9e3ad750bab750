/**
 * What `npm start` prints once the demo network is up (scripts/demo-network.ts): each node's URL,
 * database, seed outcomes and demo logins.
 */
import path from "node:path";
import { demoPasswordFile } from "./demo-password.js";
import type { RunningChild } from "./demo-network-nodes.js";
import type { DemoSeedOutcome } from "./demo-seeds.js";
import type { NodeMessage } from "./node.js";

/** Pads to a terminal width where CJK characters take two columns. */
function pad(text: string, width: number): string {
  const columns = [...text].reduce((n, ch) => n + (/[\u2e80-\uffef]/.test(ch) ? 2 : 1), 0);
  return text + " ".repeat(Math.max(1, width - columns));
}
export function printTable(
  children: RunningChild[],
  readies: Extract<NodeMessage, { type: "ready" }>[],
  dataDir: string,
): void {
  const lines: string[] = ["", "roadcert 演示网络已启动 (demo network is up)", ""];
  readies.forEach((ready, i) => {
    const spec = children[i]?.spec;
    lines.push(`  ${pad(spec?.label ?? ready.nodeName, 16)}${ready.url}/`);
    lines.push(`      数据库: ${ready.database.kind} — ${ready.database.reason}`);
    for (const s of ready.seeds) lines.push(`      ${describeSeed(s)}`);
    const logins = ready.seeds.flatMap((s) => (s.status === "done" ? (s.result.logins ?? []) : []));
    if (logins.length) {
      lines.push("      演示账号 (demo logins):");
      for (const l of logins) {
        lines.push(
          `        ${pad(l.role, 14)}${pad(l.username, 22)}${l.password}${l.note ? `  (${l.note})` : ""}`,
        );
      }
    }
    lines.push("");
  });
  lines.push(
    `  演示账号密码为本机首次启动时随机生成，保存在 ${demoPasswordFile(dataDir)}（不入库，删除数据目录后重新生成）`,
  );
  lines.push(`  数据目录 ${dataDir} (再次 npm start 数据仍在)；日志 ${path.join(dataDir, "logs")}`);
  lines.push("  按 Ctrl-C 停止全部节点 (Ctrl-C stops all nodes)", "");
  console.log(lines.join("\n"));
}

function describeSeed(s: DemoSeedOutcome): string {
  if (s.status === "done")
    return `初始化 ${s.name}: 完成（${(s.ms / 1000).toFixed(1)} 秒）${s.result.summary ? ` — ${s.result.summary}` : ""}`;
  if (s.status === "skipped") return `初始化 ${s.name}: 跳过 (${s.reason})`;
  return `初始化 ${s.name}: 失败 — ${s.error}`;
}
