import { expect } from "chai";
import { testConfig } from "../../helpers/test-config.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode, type RunningNode } from "../../../server/main.js";
import { startExamNode, type ExamNode } from "../../../scripts/bench/exam-node.js";
import { connectSocket, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { connect as connectExamSocket, proctorUser } from "../exams/support/clients.js";
import { TEST_REDIS_URL as REDIS_URL } from "../../helpers/exam-nodes.js";

// .ci/run makes sure a Redis answers here.

describe("socket.io Redis adapter", () => {
  const nodes: (RunningNode | ExamNode)[] = [];
  const sockets: { close(): unknown }[] = [];
  after(async () => {
    for (const socket of sockets) socket.close();
    for (const node of nodes.reverse()) await node.stop();
  });

  async function start(provinceCode: string, dbName: string): Promise<RunningNode> {
    const db = await testDatabase();
    const config = testConfig({
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
    const socket: TestSocket = await connectSocket(jiangsuB, admin);
    sockets.push(socket);

    const fromA = await jiangsuA.io.fetchSockets();
    expect(fromA.map((s) => s.id)).to.include(socket.id);
    // Redis pub/sub is server-wide: without a per-node channel prefix 北京 would list 江苏's sockets.
    const fromBeijing = await beijing.io.fetchSockets();
    expect(fromBeijing.map((s) => s.id)).not.to.include(socket.id);
  });

  it("when two deployments of one province (each its own database) share Redis, then neither sees the other's sockets", async () => {
    const jiangsu = await start("320000", uniqueDbName("redis"));
    const otherJiangsu = await start("320000", uniqueDbName("redis"));

    const admin = await staffAgent(jiangsu, { roles: ["admin"] });
    const socket: TestSocket = await connectSocket(jiangsu, admin);
    sockets.push(socket);

    expect((await jiangsu.io.fetchSockets()).map((s) => s.id)).to.include(socket.id);
    // Same node name (province-320000): a prefix of the name alone joined the two deployments.
    expect((await otherJiangsu.io.fetchSockets()).map((s) => s.id)).not.to.include(socket.id);
  });

  it("when two exam-node bench runs share Redis, then neither sees the other's sockets", async () => {
    const db = await testDatabase();
    const runA = await startExamNode({
      mongoUri: db.uri,
      dbName: uniqueDbName("bench"),
      redisUrl: REDIS_URL,
    });
    nodes.push(runA);
    const runB = await startExamNode({
      mongoUri: db.uri,
      dbName: uniqueDbName("bench"),
      redisUrl: REDIS_URL,
    });
    nodes.push(runB);

    const socket = await connectExamSocket(runA.url, proctorUser());
    sockets.push(socket);

    expect((await runA.io.fetchSockets()).map((s) => s.id)).to.include(socket.id);
    // socket.io's default key ("socket.io") joined every bench run and test on the same Redis.
    expect((await runB.io.fetchSockets()).map((s) => s.id)).not.to.include(socket.id);
  });
});
