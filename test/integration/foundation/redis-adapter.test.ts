import { expect } from "chai";
import { loadConfig } from "../../../server/config.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode, type RunningNode } from "../../../server/main.js";
import { connectSocket, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";

// .ci/run makes sure a Redis answers here.
const REDIS_URL = "redis://127.0.0.1:6379";

describe("socket.io Redis adapter", () => {
  const nodes: RunningNode[] = [];
  let socket: TestSocket | null = null;
  after(async () => {
    socket?.close();
    for (const node of nodes.reverse()) await node.stop();
  });

  async function start(provinceCode: string, dbName: string): Promise<RunningNode> {
    const db = await testDatabase();
    const config = loadConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: provinceCode,
      PORT: "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      SHUTDOWN_TIMEOUT_MS: "2000",
      REDIS_URL,
      // Instances of one node sign session cookies alike, so a login on one is valid on the other.
      SESSION_SECRET: "redis-adapter-test-secret-0123456789abcdef",
    });
    const node = await startNode(config, {
      mongoUri: db.uri,
      dbName,
      logger: createLogger({ level: "silent" }),
    });
    nodes.push(node);
    return node;
  }

  it("when two instances of one node share Redis, then each sees the other's sockets, and another node on the same Redis sees none", async () => {
    const dbName = uniqueDbName("redis");
    const jiangsuA = await start("320000", dbName);
    const jiangsuB = await start("320000", dbName);
    const beijing = await start("110000", uniqueDbName("redis"));

    const admin = await staffAgent(jiangsuB, { roles: ["admin"] });
    socket = await connectSocket(jiangsuB, admin);

    const fromA = await jiangsuA.io.fetchSockets();
    expect(fromA.map((s) => s.id)).to.include(socket.id);
    // Redis pub/sub is server-wide: without a per-node channel prefix 北京 would list 江苏's sockets.
    const fromBeijing = await beijing.io.fetchSockets();
    expect(fromBeijing.map((s) => s.id)).not.to.include(socket.id);
  });
});
