import { expect } from "chai";
import request from "supertest";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode, type RunningNode } from "../../../server/main.js";
import { connectSocket, staffAgent, type TestSocket } from "../../helpers/auth.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { aPortToRestartOn } from "../../helpers/ports.js";
import { testConfig } from "../../helpers/test-config.js";
import { ownRedis, type OwnRedis } from "./support/redis-server.js";

/** A test-only event, outside the typed contract: what crosses the adapter is all that matters here. */
const PROBE = "ops:probe";
type Emitter = { to(room: string): { emit(event: string, ...args: unknown[]): boolean } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds or `ms` pass; answers whether it held. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

async function readyz(node: RunningNode): Promise<{ status: number; code?: string }> {
  const res = await request(node.url).get("/readyz");
  return { status: res.status, code: (res.body as { error?: { code?: string } }).error?.code };
}

/** Whether a probe emitted on `from` to `socket`'s room (the socket is on another instance) arrives within `ms`. */
async function probeArrives(from: RunningNode, socket: TestSocket, ms: number): Promise<boolean> {
  const nonce = Math.random().toString(36).slice(2);
  const arrived = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const onProbe = (n: unknown) => {
      if (n !== nonce) return;
      clearTimeout(timer);
      (socket as unknown as { off(e: string, f: unknown): void }).off(PROBE, onProbe);
      resolve(true);
    };
    (socket as unknown as { on(e: string, f: (n: unknown) => void): void }).on(PROBE, onProbe);
  });
  (from.io as unknown as Emitter).to(socket.id ?? "").emit(PROBE, nonce);
  return arrived;
}

describe("operations: Redis outages", function () {
  this.timeout(180_000);
  const nodes: RunningNode[] = [];
  const sockets: TestSocket[] = [];
  let redis: OwnRedis | null = null;
  /** Rejections nobody handled while the test ran: in production each one exits the process (Node 20). */
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);

  before(() => process.on("unhandledRejection", record));
  after(async () => {
    process.off("unhandledRejection", record);
    for (const s of sockets) s.close();
    for (const node of nodes.reverse()) {
      await node.ctx.conn.dropDatabase().catch(() => undefined);
      await node.stop();
    }
    await redis?.kill();
  });

  async function start(redisUrl: string, dbName: string): Promise<RunningNode> {
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      PORT: "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      SHUTDOWN_TIMEOUT_MS: "2000",
      REDIS_URL: redisUrl,
      SESSION_SECRET: "redis-outage-test-secret-0123456789abcdef",
    });
    const node = await startNode(config, {
      mongoUri: (await testDatabase()).uri,
      dbName,
      logger: createLogger({ level: config.log.level }),
    });
    nodes.push(node);
    return node;
  }

  it("when Redis goes away while an instance emits across it, then both instances stay up, /readyz says redis_unavailable during it and ready after, and cross-instance events flow again", async () => {
    redis = await ownRedis(await aPortToRestartOn());
    const dbName = uniqueDbName("redis_outage");
    const a = await start(redis.url, dbName);
    const b = await start(redis.url, dbName);
    const admin = await staffAgent(a, { roles: ["admin"] });
    const socket = await connectSocket(a, admin);
    sockets.push(socket);
    expect(
      await probeArrives(b, socket, 5000),
      "a probe from B reaches the socket on A before the outage",
    ).to.equal(true);

    // B keeps emitting to the socket on A all through the outage, as a proctor console would.
    let emitting = true;
    const emitter = (async () => {
      while (emitting) {
        (b.io as unknown as Emitter).to(socket.id ?? "").emit(PROBE, "during");
        await sleep(20);
      }
    })();
    await redis.kill();
    // Both leave rotation however long their Redis clients take to notice, and stay out while B
    // keeps emitting: the outage lasts for a number of readiness polls, not for a time.
    const unavailable = { status: 503, code: "redis_unavailable" };
    const outOfRotation = async () =>
      JSON.stringify(await readyz(a)) === JSON.stringify(unavailable) &&
      JSON.stringify(await readyz(b)) === JSON.stringify(unavailable);
    const leftRotation = await eventually(outOfRotation, 20_000);
    const during: { a: Awaited<ReturnType<typeof readyz>>; b: Awaited<ReturnType<typeof readyz>> }[] = [];
    for (let poll = 0; poll < 8; poll += 1) {
      during.push({ a: await readyz(a), b: await readyz(b) });
      await sleep(100);
    }
    await redis.restart();
    const readyAgain = await eventually(
      async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200,
      20_000,
    );
    const flowsAgain = await eventually(() => probeArrives(b, socket, 1000), 20_000);
    emitting = false;
    await emitter;

    expect(unhandled.map(String), "unhandled rejections (each would exit the process)").to.deep.equal([]);
    for (const node of [a, b]) await request(node.url).get("/healthz").expect(200);
    expect(leftRotation, "both report redis_unavailable during the outage").to.equal(true);
    expect(during, "readiness all through the outage").to.deep.equal(
      Array.from({ length: 8 }, () => ({ a: unavailable, b: unavailable })),
    );
    expect(readyAgain, "both ready again once Redis is back").to.equal(true);
    expect(flowsAgain, "a probe from B reaches the socket on A again").to.equal(true);
  });

  it("when Redis is down as an instance starts, then it starts not ready and becomes ready, and joins the rooms, once Redis comes up", async () => {
    const late = await ownRedis(await aPortToRestartOn(), { startNow: false });
    try {
      const dbName = uniqueDbName("redis_late");
      const a = await start(late.url, dbName);
      expect(await readyz(a)).to.deep.equal({ status: 503, code: "redis_unavailable" });
      const admin = await staffAgent(a, { roles: ["admin"] });
      const socket = await connectSocket(a, admin);
      sockets.push(socket);

      await late.restart();
      expect(
        await eventually(async () => (await readyz(a)).status === 200, 20_000),
        "ready once Redis is up",
      ).to.equal(true);
      const b = await start(late.url, dbName);
      expect(
        await eventually(() => probeArrives(b, socket, 1000), 10_000),
        "B reaches the socket on A",
      ).to.equal(true);
      expect(unhandled.map(String)).to.deep.equal([]);
    } finally {
      // The nodes on it are stopped in `after`; their clients only log while it is gone.
      await late.kill();
    }
  });
});
