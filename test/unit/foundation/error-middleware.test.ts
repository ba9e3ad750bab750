import { expect } from "chai";
import express from "express";
import type { Connection } from "mongoose";
import { pino } from "pino";
import { Writable } from "node:stream";
import request from "supertest";
import { z } from "zod";
import { createApp } from "../../../server/app.js";
import { loadConfig } from "../../../server/config.js";
import type { Feature } from "../../../server/feature.js";
import { AppError } from "../../../server/lib/errors.js";
import { parse } from "../../../server/lib/http.js";

/** The app as every node builds it, with one test feature and a pino logger whose lines we keep. */
function appWithRoutes() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n"))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: "info" }, sink);
  const router = express.Router();
  router.get("/boom", () => {
    throw new Error("disk quota exceeded on /var/lib/secret");
  });
  router.get("/async-boom", async () => {
    await Promise.resolve();
    throw new TypeError("cannot read properties of undefined");
  });
  router.get("/db-closed", async () => {
    await Promise.resolve();
    // What the driver throws when the node has closed its connection under a running request.
    throw Object.assign(new Error("Server is closed"), { name: "MongoServerClosedError" });
  });
  router.get("/closed", () => {
    throw new AppError("session_closed", 409, "考试场次已结束", { sessionId: "s1" });
  });
  router.post("/echo", (req, res) => {
    const body = parse(z.object({ name: z.string() }).strict(), req.body);
    res.json(body);
  });
  const feature: Feature = { name: "test", router };
  // No route here touches the database; /healthz never does.
  const conn = { readyState: 0 } as unknown as Connection;
  const config = loadConfig({
    ROLE: "province",
    PROVINCE_CODE: "320000",
    NODE_ENV: "test",
    CLIENT_DIST: "/nonexistent",
  });
  const app = createApp({ config, logger, conn, features: [feature] });
  return { app, lines };
}

describe("HTTP error middleware", () => {
  it("when a route throws an unknown error, then the client gets an opaque 500 and the cause is logged with the request id", async () => {
    const { app, lines } = appWithRoutes();
    const res = await request(app).get("/api/boom").set("x-request-id", "req-42").expect(500);
    expect(res.body).to.deep.equal({ error: { code: "internal_error", message: "服务器内部错误" } });
    expect(res.text).not.to.include("secret");
    const logged = lines.find((l) => l.msg === "unhandled error");
    expect(logged?.reqId).to.equal("req-42");
    expect((logged?.err as { message?: string }).message).to.equal("disk quota exceeded on /var/lib/secret");
    expect((logged?.err as { stack?: string }).stack).to.be.a("string");
  });

  it("when an async route rejects, then it is handled the same way", async () => {
    const { app, lines } = appWithRoutes();
    const res = await request(app).get("/api/async-boom").expect(500);
    expect(res.body.error.code).to.equal("internal_error");
    expect(lines.some((l) => l.msg === "unhandled error")).to.equal(true);
  });

  it("when a request meets the database already closed (the node is stopping), then it is logged as abandoned (warn), not as an unhandled error", async () => {
    const { app, lines } = appWithRoutes();
    await request(app).get("/api/db-closed").set("x-request-id", "req-7").expect(500);
    expect(lines.filter((l) => l.msg === "unhandled error")).to.deep.equal([]);
    const abandoned = lines.find((l) => l.reqId === "req-7" && l.level === 40);
    expect(abandoned?.msg).to.match(/^request abandoned/);
  });

  it("when a route throws an AppError, then its status, code, message and details reach the client and nothing is logged as an error", async () => {
    const { app, lines } = appWithRoutes();
    const res = await request(app).get("/api/closed").expect(409);
    expect(res.body).to.deep.equal({
      error: { code: "session_closed", message: "考试场次已结束", details: { sessionId: "s1" } },
    });
    expect(lines.some((l) => l.msg === "unhandled error")).to.equal(false);
  });

  it("when the JSON body is malformed, then 400 invalid_json", async () => {
    const { app } = appWithRoutes();
    const res = await request(app)
      .post("/api/echo")
      .set("content-type", "application/json")
      .send('{"name": "张三",')
      .expect(400);
    expect(res.body.error.code).to.equal("invalid_json");
  });

  it("when the body has unknown fields, then 400 validation_failed naming them", async () => {
    const { app } = appWithRoutes();
    const res = await request(app).post("/api/echo").send({ name: "张三", role: "admin" }).expect(400);
    expect(res.body.error.code).to.equal("validation_failed");
    expect(JSON.stringify(res.body.error.details)).to.include("role");
  });

  it("when the body is over the size limit, then 413 payload_too_large", async () => {
    const { app } = appWithRoutes();
    const huge = JSON.stringify({ name: "x".repeat(3 * 1024 * 1024) });
    const res = await request(app)
      .post("/api/echo")
      .set("content-type", "application/json")
      .send(huge)
      .expect(413);
    expect(res.body.error.code).to.equal("payload_too_large");
  });

  it("when an /api route does not exist, then 404 route_not_found", async () => {
    const { app } = appWithRoutes();
    const res = await request(app).delete("/api/no/such/thing").expect(404);
    expect(res.body.error.code).to.equal("route_not_found");
  });

  it("when a request has no id, then the response carries a generated x-request-id; a sane incoming one is kept", async () => {
    const { app } = appWithRoutes();
    const generated = await request(app).get("/healthz").expect(200);
    expect(generated.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    const kept = await request(app).get("/healthz").set("x-request-id", "abc-123").expect(200);
    expect(kept.headers["x-request-id"]).to.equal("abc-123");
    const replaced = await request(app).get("/healthz").set("x-request-id", "<script>").expect(200);
    expect(replaced.headers["x-request-id"]).not.to.equal("<script>");
  });

  it("when any response leaves, then helmet's security headers are on it", async () => {
    const { app } = appWithRoutes();
    const res = await request(app).get("/healthz").expect(200);
    expect(res.headers["x-content-type-options"]).to.equal("nosniff");
    expect(res.headers["content-security-policy"]).to.include("default-src 'self'");
    expect(res.headers["x-powered-by"]).to.equal(undefined);
  });
});
