/**
 * The demo network's seed step, in ONE list: each hook fills a freshly started node with demo data
 * (sample question banks, demo accounts, …). Hooks run inside the node's own process
 * (`scripts/node.ts --seed-demo`) on a FeatureContext over the node's database, before the node
 * starts (no background work runs yet: a past session's attempts are not swept under the seed), on
 * every `npm start`, so each hook MUST be idempotent (a second start finds the data and writes
 * nothing).
 *
 * A hook whose module is not there yet is skipped, so features plug in by landing their module.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FeatureContext } from "../server/feature.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** One account the demo table prints so a newcomer can log in. */
export interface DemoLogin {
  /** What the account is for, in Chinese, e.g. "省级管理员". */
  role: string;
  /** Username, or for candidates the ID number. */
  username: string;
  /** Password, or for candidates the admission ticket number. */
  password: string;
  note?: string;
}

/** What a hook may report back; everything is optional. */
export interface DemoSeedResult {
  logins?: DemoLogin[];
  /** One line for the summary, e.g. "题库：312 道题，4 套组卷规则". */
  summary?: string;
  /**
   * Changes whenever the hook seeded anew (its seed marker's token), so a step outside the node that
   * builds on what it seeded knows to run again (scripts/demo-network.ts).
   */
  marker?: string;
}

export type DemoSeedFn = (ctx: FeatureContext) => Promise<unknown>;

interface DemoSeedHook {
  name: string;
  /** Module path relative to the repository root, without extension (.ts under tsx, .js compiled). */
  module: string;
  /** The exported function to call with the node's FeatureContext. */
  exportName: string;
  /** Node roles the hook runs on; absent = every node. */
  roles?: readonly ("hub" | "province")[];
  /** Turns what the function returned into the table's result; absent = it already is one. */
  describe?: (returned: unknown) => DemoSeedResult;
}

/**
 * The hook list. Contract for a hook module: `export async function <exportName>(ctx: FeatureContext)`
 * that is idempotent and may return `{ logins?, summary? }` (see DemoSeedResult); it decides by
 * `ctx.config.role` / `ctx.config.provinceCode` what the hub and each province get.
 */
export const demoSeedHooks: readonly DemoSeedHook[] = [
  // Question-bank helper: the sample banks and blueprints, published. Only provinces hold exams;
  // the national hub receives records, not questions.
  {
    name: "sample-banks",
    module: "server/question-bank/index",
    exportName: "seedSampleBanks",
    roles: ["province"],
    describe: (reports) => ({
      summary: `示例题库 ${Array.isArray(reports) ? reports.length : 0} 个文件已就绪`,
    }),
  },
  // Identity helper: demo organisations and accounts for every role, per node.
  { name: "demo-accounts", module: "scripts/seed-demo", exportName: "seedDemo" },
  // The demo's past at 江苏: sessions held, graded and published (after the accounts, whose proctor
  // and officer hold them).
  {
    name: "demo-history",
    module: "scripts/demo-history",
    exportName: "seedDemoHistory",
    roles: ["province"],
  },
];

/** Outcome of one hook on one node, reported to the demo network's table. */
export type DemoSeedOutcome =
  | { name: string; status: "done"; result: DemoSeedResult; ms: number }
  | { name: string; status: "skipped"; reason: string }
  | { name: string; status: "failed"; error: string };

/** Runs every available hook in order on this node; a failing hook is reported, not fatal. */
export async function runDemoSeeds(ctx: FeatureContext): Promise<DemoSeedOutcome[]> {
  const outcomes: DemoSeedOutcome[] = [];
  for (const hook of demoSeedHooks) {
    const file = [".ts", ".js"].map((ext) => path.join(root, hook.module + ext)).find((f) => existsSync(f));
    if (!file) {
      outcomes.push({ name: hook.name, status: "skipped", reason: `${hook.module} not present yet` });
      continue;
    }
    try {
      if (hook.roles && !hook.roles.includes(ctx.config.role)) {
        outcomes.push({ name: hook.name, status: "skipped", reason: `not for the ${ctx.config.role} node` });
        continue;
      }
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      const fn = mod[hook.exportName];
      if (typeof fn !== "function") {
        outcomes.push({
          name: hook.name,
          status: "skipped",
          reason: `${hook.module} has no ${hook.exportName} export yet`,
        });
        continue;
      }
      const started = Date.now();
      const returned: unknown = await (fn as DemoSeedFn)(ctx);
      outcomes.push({
        name: hook.name,
        status: "done",
        result: hook.describe ? hook.describe(returned) : asResult(returned),
        // Shown in the table, so a slow start says which hook took the time.
        ms: Date.now() - started,
      });
    } catch (err) {
      ctx.logger.error({ err, hook: hook.name }, "demo seed failed");
      outcomes.push({
        name: hook.name,
        status: "failed",
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return outcomes;
}

function asResult(value: unknown): DemoSeedResult {
  if (!value || typeof value !== "object") return {};
  const v = value as { logins?: unknown; summary?: unknown };
  const logins = Array.isArray(v.logins)
    ? v.logins.filter(
        (l): l is DemoLogin =>
          !!l &&
          typeof l === "object" &&
          typeof (l as DemoLogin).username === "string" &&
          typeof (l as DemoLogin).password === "string",
      )
    : undefined;
  const marker = (value as { marker?: unknown }).marker;
  return {
    logins,
    summary: typeof v.summary === "string" ? v.summary : undefined,
    marker: typeof marker === "string" ? marker : undefined,
  };
}
