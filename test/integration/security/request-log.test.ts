import { Writable } from "node:stream";
import { expect } from "chai";
import { pino } from "pino";
import request from "supertest";
import { startNode, type RunningNode } from "../../../server/main.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { testConfig } from "../../helpers/test-config.js";

/**
 * The node's request log is read by operators and shipped to log stores: a kiosk seat token (the
 * secret that lets a computer log candidates in as one seat) must never be written there, even
 * from a kiosk address issued before the token moved into the address's fragment.
 */
describe("request log: no seat token in plain text", function () {
  this.timeout(60_000);
  let node: RunningNode;
  const lines: string[] = [];

  before(async () => {
    const db = await testDatabase();
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      PORT: "0",
      LOG_LEVEL: "info",
      SHUTDOWN_TIMEOUT_MS: "2000",
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        done();
      },
    });
    node = await startNode(config, {
      mongoUri: db.uri,
      dbName: uniqueDbName("log"),
      logger: pino({ level: "info" }, sink),
    });
  });
  after(async () => {
    await node.ctx.conn.dropDatabase().catch(() => undefined);
    await node.stop();
  });

  it("when a kiosk address with the seat token in its query is requested, then the logged request names the seat without its token, and no cookie is logged", async () => {
    const token = "SeatTok3n-that-must-not-be-logged";
    lines.length = 0;
    await request(node.url).get(`/login?as=candidate&seat=${token}`);
    await request(node.url).get(`/api/auth/csrf?x=1&s%65at=${token}`);
    await request(node.url)
      .get("/api/auth/session")
      .set("referer", `${node.url}/login?as=candidate&seat=${token}`)
      .set("cookie", `roadcert.sid=s%3A${token}`);
    const logged = lines.filter((l) => l.includes('"req"'));
    expect(logged.length, "request lines").to.be.at.least(3);
    for (const line of logged) expect(line).to.not.include(token);
    expect(logged.some((l) => l.includes("/login?as=candidate&seat="))).to.equal(true);
  });

  it("when a response sets a cookie, then the logged response does not carry its value", async () => {
    lines.length = 0;
    // A visitor's token cookie (no session is stored before login); the logger hides set-cookie whole.
    const res = await request(node.url).get("/api/auth/csrf");
    const sid = /roadcert\.(?:sid|csrf)=([^;]+)/.exec(String(res.headers["set-cookie"] ?? ""))?.[1];
    expect(sid, "the cookie set").to.be.a("string");
    const logged = lines.filter((l) => l.includes('"res"'));
    expect(logged.length, "response lines").to.be.at.least(1);
    for (const line of logged) expect(line).to.not.include(sid ?? "");
  });
});
