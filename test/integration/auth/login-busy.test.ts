import { expect } from "chai";
import { createAuthService } from "../../../server/auth/auth.service.js";
import { staffLockoutKeys } from "../../../server/auth/login-throttle.js";
import { anonymousAgent, createStaff } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

type Refusal = { code?: string; status?: number; message?: string } | null;
const refusalOf = (p: Promise<unknown>): Promise<Refusal> =>
  p.then(
    () => null,
    (err: unknown) => err as Refusal,
  );
/** `p`, or a refusal `still_waiting` after two seconds: a login held in a queue is a failure here, not a hang. */
const within = (p: Promise<unknown>): Promise<Refusal> =>
  refusalOf(
    Promise.race([
      p,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(Object.assign(new Error("still waiting"), { code: "still_waiting" })),
          2_000,
        ).unref(),
      ),
    ]),
  );

/**
 * A staff login costs a full scrypt on libuv's four threads, which also serve file reads and zlib;
 * the per-address limit alone let some sixty addresses keep every thread hashing. Password checks
 * running and waiting at once are bounded per node instance (LOGIN_PASSWORD_CHECKS_MAX); a login
 * past it is refused login_busy at once, the same whether or not its name exists.
 */
describe("staff login: a bound on password checks at once", function () {
  this.timeout(60_000);
  const env = useTestNode({
    env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000", LOGIN_PASSWORD_CHECKS_MAX: "1" },
  });

  it("when checks already fill the bound, then a known name and an unknown one are refused alike with login_busy, and those checked are answered", async () => {
    const staff = await createStaff(env.node, { roles: ["admin"] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let checks = 0;
    const auth = createAuthService(env.node.ctx.conn, {
      provinceCode: env.node.ctx.config.provinceCode,
      candidates: {} as never,
      maxPasswordChecks: 2,
      verifyPassword: async () => {
        checks++;
        await held;
        return false;
      },
    });
    const first = refusalOf(auth.authenticateStaff(staff.username, "wrong-password-1", { ip: "192.0.2.1" }));
    const second = refusalOf(auth.authenticateStaff("nobody_here", "wrong-password-1", { ip: "192.0.2.2" }));
    while (checks < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const known = await within(auth.authenticateStaff(staff.username, "x", { ip: "192.0.2.3" }));
    const unknown = await within(auth.authenticateStaff("nobody_either", "x", { ip: "192.0.2.4" }));
    const answer = (r: Refusal) => [r?.status, r?.code, r?.message];
    expect(answer(known)).to.deep.equal([503, "login_busy", "登录请求过多，请稍后重试"]);
    expect(answer(unknown)).to.deep.equal(answer(known));
    expect(checks).to.equal(2);
    // Its password never tried, a busy login counts toward no lockout of its name: the name-wide
    // count holds the first login's attempt alone, and the busy one's address has none.
    const throttle = env.node.ctx.conn.collection("login_throttle");
    const busyKeys = staffLockoutKeys(staff.username, "192.0.2.3");
    expect((await throttle.findOne({ key: busyKeys.name }))?.failures).to.equal(1);
    expect(await throttle.countDocuments({ key: busyKeys.source })).to.equal(0);

    release();
    expect([(await first)?.code, (await second)?.code]).to.deep.equal([
      "invalid_credentials",
      "invalid_credentials",
    ]);
    await auth.closeFailureSummaries();
  });

  it("when many logins arrive at once, then every one is answered, some refused 503 login_busy with Retry-After, and the bound lets the rest through", async () => {
    // Each its own name: five attempts at one name from one address at once lock it (login-throttle.ts).
    const staff = await Promise.all(
      Array.from({ length: 12 }, () => createStaff(env.node, { roles: ["admin"] })),
    );
    const agents = await Promise.all(staff.map(() => anonymousAgent(env.node)));
    const answers = await Promise.all(
      agents.map(({ agent }, i) =>
        agent.post("/api/auth/login").send({ username: staff[i]!.username, password: staff[i]!.password }),
      ),
    );
    const busy = answers.filter((r) => r.status === 503);
    expect(answers.filter((r) => r.status !== 503).map((r) => r.status)).to.include(200);
    expect(busy.length).to.be.above(0);
    for (const r of busy) {
      expect(r.body.error?.code).to.equal("login_busy");
      expect(r.headers["retry-after"]).to.match(/^[1-9]\d*$/);
    }
    expect(
      answers.filter((r) => r.status !== 200 && r.status !== 503).map((r) => [r.status, r.body.error?.code]),
    ).to.deep.equal([]);
  });
});
