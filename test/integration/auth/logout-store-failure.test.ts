import { expect } from "chai";
import { MongoStore } from "connect-mongo";
import { staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A logout the session store could not carry out (the database away for the moment) must not be
 * answered as done: the login would stay valid in the store while the page believes it ended.
 */
describe("logout: when the session store fails to end the login", function () {
  this.timeout(30_000);
  const env = useTestNode();

  it("when the store refuses to destroy the session, then the logout answers logout_failed, keeps the cookie, records no logout, and the login still holds", async () => {
    const officer = await staffAgent(env.node, { roles: ["officer"] });
    const destroy = Object.getOwnPropertyDescriptor(MongoStore.prototype, "destroy");
    MongoStore.prototype.destroy = function (_sid: string, callback?: (err?: unknown) => void) {
      callback?.(new Error("the session store is away"));
    };
    let res;
    try {
      res = await officer.agent.post("/api/auth/logout");
    } finally {
      if (destroy) Object.defineProperty(MongoStore.prototype, "destroy", destroy);
    }
    expect(res.status).to.be.within(500, 599);
    expect(res.body.error).to.include({ code: "logout_failed" });
    expect(res.body.error.message).to.match(/[\u4e00-\u9fa5]/);
    const cleared = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
    expect(
      cleared.filter((c) => /^roadcert\.sid=;/.test(c) || /Expires=Thu, 01 Jan 1970/.test(c)),
    ).to.deep.equal([]);
    const logouts = await env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "auth.logout", "actor.id": officer.user.id });
    expect(logouts).to.equal(0);
    await officer.agent.get("/api/auth/me").expect(200);

    // Once the store answers again, the same logout ends the login and is recorded once.
    await officer.agent.post("/api/auth/logout").expect(204);
    await officer.agent.get("/api/auth/me").expect(401);
    expect(
      await env.node.ctx.conn
        .collection("audit_log")
        .countDocuments({ action: "auth.logout", "actor.id": officer.user.id }),
    ).to.equal(1);
  });
});
