import { startExamNode, type ExamNode, type ExamNodeOptions } from "../../scripts/bench/exam-node.js";
import { testDatabase, uniqueDbName } from "./database.js";

/** The Redis every test shares (the CI service and a developer's local one listen here). */
export const TEST_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * `count` exam nodes for the calling describe block: instances of one deployment on one fresh
 * database (with `redisUrl`, sharing their rooms through Redis as production's instances do),
 * started in its `before` in order, stopped with their database in its `after`. Read `env.nodes`
 * inside tests.
 */
export function useExamNodes(
  count: number,
  options: Partial<ExamNodeOptions> = {},
): { readonly nodes: readonly ExamNode[] } {
  const nodes: ExamNode[] = [];
  before(async () => {
    const db = await testDatabase();
    const dbName = uniqueDbName("exam");
    for (let i = 0; i < count; i++) nodes.push(await startExamNode({ mongoUri: db.uri, dbName, ...options }));
  });
  after(async () => {
    await nodes[0]?.ctx.conn.dropDatabase().catch(() => undefined);
    for (const n of nodes) await n.stop();
  });
  return {
    get nodes() {
      if (nodes.length < count) throw new Error("useExamNodes: the nodes are only available inside tests");
      return nodes;
    },
  };
}
