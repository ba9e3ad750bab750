/**
 * The demo network's shared seeding (scripts/demo-network.ts), once every node is up: the hub
 * registers both provinces, then the network's part of the demo history runs through the nodes'
 * API, at most once per history.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { registerProvinces } from "./demo-hub-registration.js";
import { seedNetworkHistory } from "./demo-network-history.js";
import type { RunningChild } from "./demo-network-nodes.js";
import type { NodeMessage } from "./node.js";

/**
 * The network's part of the demo history (certificates issued, filing, transfer, notice) is done
 * through the nodes' API, so its marker is a file beside their data: the token of 江苏's history
 * marker it was done on. A new history (a changed DEMO_HISTORY_VERSION, or 江苏's data gone) has
 * another token, and the network's part runs again.
 */
function networkMarkerFile(dataDir: string): string {
  return path.join(dataDir, "demo-network-history.json");
}

async function networkHistoryDone(dataDir: string): Promise<string | null> {
  try {
    const parsed = JSON.parse(await readFile(networkMarkerFile(dataDir), "utf8")) as { history?: unknown };
    return typeof parsed.history === "string" ? parsed.history : null;
  } catch {
    return null;
  }
}

/**
 * Registers the provinces at the hub, then seeds the network's part of the demo history. Neither
 * failure is fatal: each is reported and leaves a working network with less to show.
 */
export async function seedNetwork(
  hubUrl: string,
  children: RunningChild[],
  readies: Extract<NodeMessage, { type: "ready" }>[],
  dataDir: string,
): Promise<void> {
  const hubReady = readies[0]!;
  const operator = hubReady.seeds
    .flatMap((s) => (s.status === "done" ? (s.result.logins ?? []) : []))
    .find((l) => l.username === "hub_operator");
  // A failed registration leaves a working network whose records queue at the provinces; it is
  // reported, not fatal (the operator can register the keys on the hub's page).
  let registered = false;
  try {
    if (!operator) throw new Error("未找到全国中心运维账号");
    const nodes = await registerProvinces(
      hubUrl,
      operator,
      children.slice(1).map((c) => ({
        url: `http://127.0.0.1:${c.spec.port}`,
        name: c.spec.provinceName ?? c.spec.label,
      })),
    );
    console.log(
      `全国中心已登记省级节点：${nodes.map((n) => `${n.name} (密钥 ${n.nodeKeys.at(-1)?.keyId.slice(0, 12) ?? "?"}…)`).join("，")}`,
    );
    registered = true;
  } catch (err) {
    console.warn(
      `警告 省级节点未在全国中心登记 (${err instanceof Error ? err.message : String(err)})：记录将在本地排队`,
    );
  }
  // The shared past (certificates issued, a filing acknowledged, a notice): needs the hub to
  // know both provinces; a failure leaves a working network with less to show.
  if (registered) {
    try {
      const logins = new Map(
        readies
          .flatMap((r) => r.seeds.flatMap((s) => (s.status === "done" ? (s.result.logins ?? []) : [])))
          .map((l) => [l.username, l]),
      );
      const [, js, bj] = children.map((c) => `http://127.0.0.1:${c.spec.port}`);
      // 江苏's history marker: the network's part was done on top of exactly this history.
      const history = readies[1]?.seeds.find((s) => s.name === "demo-history");
      const token = history?.status === "done" ? history.result.marker : undefined;
      if (history?.status === "failed") {
        // The network's part files and transfers 江苏's past certificates: without them it would
        // only wait out its timeouts. The hook's own line in the table says why it failed.
        console.warn("警告 演示历史未能补齐（江苏的历史场次未完成，原因见下表 demo-history 一行）");
      } else if (token && (await networkHistoryDone(dataDir)) === token) {
        console.log("演示历史：已就绪（未再检查）");
      } else {
        console.log(
          `演示历史：${await seedNetworkHistory({ jiangsu: js ?? "", beijing: bj ?? "" }, logins)}`,
        );
        if (token) await writeFile(networkMarkerFile(dataDir), JSON.stringify({ history: token }) + "\n");
      }
    } catch (err) {
      console.warn(`警告 演示历史未能补齐 (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}
