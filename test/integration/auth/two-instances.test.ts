import { expect } from "chai";
import request from "supertest";
import { testConfig } from "../../helpers/test-config.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode, type RunningNode } from "../../../server/main.js";
import { connectSocket, staffAgent } from "../../helpers/auth.js";
import { testDatabase } from "../../helpers/database.js";
import { startTestNode } from "../../helpers/node.js";

describe("sessions across two instances of one node", () => {
  let a: Awaited<ReturnType<typeof startTestNode>>;
  let b: RunningNode;
  before(async () => {
    a = await startTestNode();
    const config = testConfig({
      NODE_ENV: "test",
      ROLE: "province",
      PROVINCE_CODE: "320000",
      PORT: "0",
      LOG_LEVEL: "silent",
    });
    b = await startNode(config, {
      mongoUri: (await testDatabase()).uri,
      dbName: a.dbName,
      logger: createLogger({ level: "silent" }),
    });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
  });

  it("when a user logs in on one instance, then the other accepts the cookie for HTTP and sockets (no SESSION_SECRET set)", async () => {
    const officer = await staffAgent(a, { roles: ["officer"] });
    const me = await request(b.url).get("/api/auth/me").set("cookie", officer.cookie).expect(200);
    expect(me.body.user.id).to.equal(officer.user.id);
    const socket = await connectSocket(b, officer);
    expect(socket.connected).to.equal(true);
    socket.close();
  });
});
