import { randomBytes, randomInt } from "node:crypto";
import { expect } from "chai";
import { anonymousAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/** The login limit per address here: small, so a test reaches it quickly. */
const LIMIT = 3;

/** A documentation address (RFC 5737) of its own per test: a count left in the last minute counts. */
let lastAddress = randomInt(0, 254);
const freshAddress = () => `203.0.113.${(lastAddress++ % 254) + 1}`;

/**
 * A login refused for too many attempts said how long to wait only in its body
 * (`details.retryAfterSeconds`); HTTP clients, proxies and scripts read `Retry-After`
 * (RFC 9110 §10.2.3), which no answer carried.
 */
describe("login refusals for too many attempts: Retry-After", function () {
  this.timeout(60_000);
  const env = useTestNode({
    env: { LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: "true", COOKIE_SECURE: "false" },
  });

  it("when an address is refused for too many logins, then the 429 carries Retry-After equal to details.retryAfterSeconds", async () => {
    const { agent } = await anonymousAgent(env.node);
    const address = freshAddress();
    const name = `retry_${randomBytes(4).toString("hex")}`;
    let refused: Awaited<ReturnType<typeof agent.post>> | undefined;
    for (let i = 0; i < LIMIT + 1 && !refused; i++) {
      const res = await agent
        .post("/api/auth/login")
        .set("x-forwarded-for", address)
        .send({ username: `${name}_${i}`, password: "wrong-password" });
      if (res.status === 429) refused = res;
    }
    if (!refused) throw new Error(`no refusal after ${LIMIT + 1} logins`);
    expect(refused.body.error?.code).to.equal("too_many_requests");
    const seconds: unknown = refused.body.error?.details?.retryAfterSeconds;
    expect(seconds).to.be.a("number");
    expect(Number.isInteger(seconds) && (seconds as number) > 0, "a whole positive number").to.equal(true);
    expect(refused.headers["retry-after"]).to.equal(String(seconds));
  });

  it("when a login is refused for another reason, then the answer carries no Retry-After", async () => {
    const { agent } = await anonymousAgent(env.node);
    const res = await agent
      .post("/api/auth/login")
      .set("x-forwarded-for", freshAddress())
      .send({ username: `retry_${randomBytes(4).toString("hex")}`, password: "wrong-password" });
    expect(res.status).to.equal(401);
    expect(res.headers).not.to.have.property("retry-after");
  });
});
