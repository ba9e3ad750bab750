import { expect } from "chai";
import request from "supertest";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode } from "../../../server/main.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { testConfig } from "../../helpers/test-config.js";
import { startWireProxy } from "../../helpers/wire-proxy.js";

describe("session store set-up", function () {
  this.timeout(60_000);

  it("when the first read of the shared session secret fails, then that request fails and the next one is served", async () => {
    const proxy = await startWireProxy((await testDatabase()).uri);
    // No SESSION_SECRET: the first request reads (upserts) the node's shared secret.
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      PORT: "0",
      LOG_LEVEL: "silent",
      SHUTDOWN_TIMEOUT_MS: "2000",
    });
    const node = await startNode(config, {
      mongoUri: proxy.uri(),
      dbName: uniqueDbName("secret"),
      logger: createLogger({ level: "silent" }),
    });
    try {
      proxy.fail((c) => c.update === "node_secrets");
      await request(node.url).get("/api/auth/me").expect(500);
      expect(proxy.failed()).to.equal(1);
      // A database blip once must not leave every later request failing until a restart.
      const next = await request(node.url).get("/api/auth/me");
      expect(next.status).to.not.equal(500);
    } finally {
      await node.ctx.conn.dropDatabase().catch(() => undefined);
      await node.stop();
      await proxy.stop();
    }
  });
});
