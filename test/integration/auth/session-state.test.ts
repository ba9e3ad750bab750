import { expect } from "chai";
import request from "supertest";
import { staffAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";

/** Issue 14: "who is here?" answers a visitor without an error, so the browser logs no 401. */
describe("the session state a page asks for first", function () {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => node?.stop());

  it("when nobody is logged in, then /api/auth/session answers 200 with no user and a CSRF token", async () => {
    const res = await request(node.url).get("/api/auth/session").expect(200);
    expect(res.body.user).to.equal(null);
    expect(res.body.csrfToken).to.be.a("string").and.not.equal("");
  });

  it("when an officer is logged in, then it answers the officer as /api/auth/me does", async () => {
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320100" });
    const me = (await officer.agent.get("/api/auth/me").expect(200)).body;
    const state = (await officer.agent.get("/api/auth/session").expect(200)).body;
    expect(state.user).to.deep.equal(me.user);
  });
});
