import { expect } from "chai";
import request from "supertest";
import { SESSION_COLLECTION } from "../../../server/auth/session.js";
import { createStaff } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

/**
 * A visitor's CSRF token costs the node no write: every cookieless GET of /api/auth/csrf (or of
 * /api/auth/session) used to store a session document, so a loop of them grew `sessions` (8 h
 * TTL) without bound. The token is now signed, not stored, until the visitor logs in.
 */
describe("CSRF tokens for visitors who are not logged in", function () {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node?.stop());

  const sessionCount = () => node.ctx.conn.collection(SESSION_COLLECTION).countDocuments();

  it("when 100 cookieless GETs of /api/auth/csrf and /api/auth/session arrive, then the sessions collection does not grow", async () => {
    const before = await sessionCount();
    for (let i = 0; i < 50; i++) {
      const a = await request(node.url).get("/api/auth/csrf").expect(200);
      expect(a.body.csrfToken).to.be.a("string").and.not.equal("");
      const b = await request(node.url).get("/api/auth/session").expect(200);
      expect(b.body.csrfToken).to.be.a("string").and.not.equal("");
    }
    expect(await sessionCount()).to.equal(before);
  });

  it("when a visitor fetches a token, logs in with it, then writes with the login's token, then each step is accepted", async () => {
    const user = await createStaff(node, { roles: ["officer"], divisionCode: "320100" });
    const agent = request.agent(node.url);
    const { csrfToken } = (await agent.get("/api/auth/csrf").expect(200)).body as { csrfToken: string };
    const login = await agent
      .post("/api/auth/login")
      .set("x-csrf-token", csrfToken)
      .send({ username: user.username, password: user.password })
      .expect(200);
    const sessionToken = (login.body as { csrfToken: string }).csrfToken;
    await agent.post("/api/auth/logout").set("x-csrf-token", "wrong").expect(403);
    await agent.post("/api/auth/logout").set("x-csrf-token", sessionToken).expect(204);
  });

  it("when a login carries no token, another visitor's token, or a forged one, then it is refused with csrf_failed", async () => {
    const user = await createStaff(node, { roles: ["officer"], divisionCode: "320100" });
    const other = (await request(node.url).get("/api/auth/csrf").expect(200)).body as { csrfToken: string };
    const agent = request.agent(node.url);
    const own = (await agent.get("/api/auth/csrf").expect(200)).body as { csrfToken: string };
    const body = { username: user.username, password: user.password };
    for (const token of [undefined, other.csrfToken, `${own.csrfToken}x`, ""]) {
      const req = agent.post("/api/auth/login");
      if (token !== undefined) req.set("x-csrf-token", token);
      const res = await req.send(body).expect(403);
      expect(res.body.error?.code ?? res.body.code).to.equal("csrf_failed");
    }
    // A cookieless login with a token taken elsewhere is refused too.
    await request(node.url).post("/api/auth/login").set("x-csrf-token", own.csrfToken).send(body).expect(403);
  });
});
