import { expect } from "chai";
import request from "supertest";
import { startStandin } from "@roadcert/mongo-standin";
import { testConfig } from "../../helpers/test-config.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode } from "../../../server/main.js";
import { reportNodeStatus } from "../../../server/health/index.js";
import { startTestNode, type TestNode } from "../../helpers/node.js";

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
        hubCertificateKeys: null,
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

/**
 * `/healthz` is where operators and their monitoring look: besides "the process is up" it carries
 * the state of what the node does on its own in the background and could otherwise only log, such
 * as the announcement of its certificate keys to the hub (an older hub without the route is backed
 * off for up to an hour, and issuing with a rotated key is refused meanwhile).
 */
describe("background state in /healthz", function () {
  this.timeout(60_000);
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node.stop());

  it("when a province node's key announcements to the hub have no trouble to report, then /healthz says so with hubCertificateKeys null", async () => {
    const res = await request(node.url).get("/healthz").expect(200);
    expect(res.body).to.include({ status: "ok", provinceCode: "320000" });
    expect(res.body).to.have.property("hubCertificateKeys", null);
  });

  it("when a part of the node reports a state, then /healthz shows it as it is at each request", async () => {
    let state: { code: string; since: string; nextAttemptAt: string } | null = null;
    reportNodeStatus(node.ctx.conn, "testBackgroundState", () => state);
    expect((await request(node.url).get("/healthz")).body).to.have.property("testBackgroundState", null);
    state = {
      code: "hub_certificate_keys_unsupported",
      since: "2026-01-01T00:00:00.000Z",
      nextAttemptAt: "2026-01-01T01:00:00.000Z",
    };
    expect((await request(node.url).get("/healthz")).body.testBackgroundState).to.deep.equal(state);
  });
});
