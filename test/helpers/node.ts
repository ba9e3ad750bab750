import { testConfig } from "./test-config.js";
import { createLogger } from "../../server/lib/logger.js";
import { startNode, type RunningNode } from "../../server/main.js";
import { seedSampleBanks } from "../../server/question-bank/index.js";
import { testDatabase, uniqueDbName } from "./database.js";

export interface TestNodeOptions {
  role?: "province" | "hub";
  provinceCode?: string;
  env?: Record<string, string>;
  /** Open the node's connection with the driver's command monitoring (see helpers/commands.ts). */
  monitorCommands?: boolean;
  /** Another instance of a running node: the same database (`node.dbName`) instead of a fresh one. */
  shareDatabase?: string;
  /** Reach the test database through this URI instead (e.g. a holding proxy, helpers/holding-proxy.ts). */
  mongoUri?: string;
}

/**
 * Starts a whole node in-process on port 0 with its own fresh database. Logs stay silent unless
 * TEST_LOG_LEVEL is set. Call `node.stop()` in `after`.
 */
export async function startTestNode(
  options: TestNodeOptions = {},
): Promise<RunningNode & { dbName: string }> {
  const db = await testDatabase();
  const config = testConfig({
    NODE_ENV: "test",
    ROLE: options.role ?? "province",
    PROVINCE_CODE: options.role === "hub" ? undefined : (options.provinceCode ?? "320000"),
    PORT: "0",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    SHUTDOWN_TIMEOUT_MS: "2000",
    ...options.env,
  });
  const dbName = options.shareDatabase ?? uniqueDbName(options.role === "hub" ? "hub" : "prov");
  const logger = createLogger({ level: config.log.level, name: config.nodeName });
  const base = options.mongoUri ?? db.uri;
  const mongoUri = options.monitorCommands ? withUriOption(base, "monitorCommands", "true") : base;
  const node = await startNode(config, { mongoUri, dbName, logger });
  return {
    ...node,
    dbName,
    stop: async () => {
      await node.ctx.conn.dropDatabase().catch(() => undefined);
      await node.stop();
    },
  };
}

function withUriOption(uri: string, key: string, value: string): string {
  return `${uri}${uri.includes("?") ? "&" : "?"}${key}=${value}`;
}

export type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/**
 * A whole node for the calling describe block (started in its `before`, stopped with its database
 * in its `after`). Read `env.node` inside tests.
 */
export function useTestNode(options: TestNodeOptions = {}): { readonly node: TestNode } {
  const state: { node?: TestNode } = {};
  before(async () => {
    state.node = await startTestNode(options);
  });
  after(async () => {
    await state.node?.stop();
  });
  return {
    get node() {
      if (!state.node) throw new Error("useTestNode: the node is only available inside tests");
      return state.node;
    },
  };
}

/**
 * A whole node (as `useTestNode`) with the sample question banks seeded, so that a session
 * scheduled on it assembles real papers: what exam delivery on a full node needs. Read `env.node`
 * inside tests.
 */
export function useNodeWithSampleBanks(options: TestNodeOptions = {}): { readonly node: TestNode } {
  const env = useTestNode(options);
  // Mocha runs a block's before hooks in order: the node has started by now.
  before(() => seedSampleBanks(env.node.ctx));
  return env;
}
