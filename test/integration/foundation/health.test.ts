import { expect } from "chai";
import request from "supertest";
import { startStandin } from "@roadcert/mongo-standin";
import { testConfig } from "../../helpers/test-config.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode } from "../../../server/main.js";
import { startTestNode } from "../../helpers/node.js";

describe("health and readiness", () => {
  it("when a province node runs on its database, then /healthz names it and /readyz says ready", async () => {
    const node = await startTestNode({ role: "province", provinceCode: "110000" });
    try {
      const health = await request(node.url).get("/healthz").expect(200);
      expect(health.body).to.deep.equal({
        status: "ok",
        role: "province",
        provinceCode: "110000",
        nodeName: "province-110000",
      });
      const ready = await request(node.url).get("/readyz").expect(200);
      expect(ready.body).to.deep.equal({ status: "ready" });
    } finally {
      await node.stop();
    }
  });

  it("when the hub runs, then /healthz says hub without a province code", async () => {
    const node = await startTestNode({ role: "hub" });
    try {
      const health = await request(node.url).get("/healthz").expect(200);
      expect(health.body).to.include({ status: "ok", role: "hub", provinceCode: null, nodeName: "hub" });
    } finally {
      await node.stop();
    }
  });

  it("when the database server goes away, then /readyz answers 503 database_unavailable while /healthz stays up", async () => {
    // A database of its own, so stopping it leaves the shared test database alone.
    const standin = await startStandin({ port: 0 });
    const config = testConfig({
      ROLE: "hub",
      NODE_ENV: "test",
      PORT: "0",
      LOG_LEVEL: "silent",
      SHUTDOWN_TIMEOUT_MS: "2000",
    });
    const node = await startNode(config, {
      mongoUri: standin.uri,
      dbName: "readyz",
      logger: createLogger({ level: "silent" }),
    });
    try {
      await request(node.url).get("/readyz").expect(200);
      await standin.stop();
      const res = await request(node.url).get("/readyz").expect(503);
      expect(res.body).to.deep.equal({ error: { code: "database_unavailable", message: "数据库不可用" } });
      await request(node.url).get("/healthz").expect(200);
    } finally {
      await node.stop();
      await standin.stop().catch(() => undefined);
    }
  });
});
