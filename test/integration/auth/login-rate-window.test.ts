import { expect } from "chai";
import { createLoginRateLimiter, createLoginRates } from "../../../server/auth/login-rates.js";
import { AppError } from "../../../server/lib/errors.js";
import { aMinuteOfItsOwn } from "../../helpers/budgeted-auth.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestNode } from "../../helpers/node.js";

/** The login limit per address here: small, so a test reaches it quickly. */
const LIMIT = 4;
const MINUTE = 60_000;

/**
 * The login limit per address counted in fixed minutes let an address spend its allowance in the
 * last moment of one minute and again in the first moment of the next: twice the limit at once.
 * Each test here runs two instances of the node (each with its own memory, as behind a load
 * balancer) over one database, on one clock standing at a minute of its own that the test moves.
 */
describe("login limit per address: a sliding minute, not fixed ones", function () {
  this.timeout(60_000);
  // Command monitoring, so a test can count the limit's round trips (commandsDuring).
  const env = useTestNode({ monitorCommands: true });

  function twoInstances() {
    const boundary = Math.floor(aMinuteOfItsOwn().getTime() / MINUTE) * MINUTE;
    let now = boundary;
    const clock = () => new Date(now);
    const instance = () => createLoginRateLimiter(LIMIT, createLoginRates(env.node.ctx.conn, clock));
    return {
      /** The start of a minute: the turn between two windows. */
      boundary,
      setTime: (t: number) => {
        now = t;
      },
      a: instance(),
      b: instance(),
    };
  }

  type Limiter = ReturnType<typeof createLoginRateLimiter>;

  /** `n` logins from `ip` on `limiter`, one after the other: "ok" or the code each was refused with. */
  async function tries(limiter: Limiter, ip: string, n: number): Promise<string[]> {
    const codes: string[] = [];
    for (let i = 0; i < n; i++) {
      codes.push(
        await limiter.hit(ip).then(
          () => "ok",
          (err: unknown) => (err instanceof AppError ? err.code : String(err)),
        ),
      );
    }
    return codes;
  }

  it("when an address spends its allowance at the end of one window, then at the start of the next it is still refused", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary - 100);
    expect(await tries(a, "192.0.2.11", LIMIT)).to.deep.equal(Array(LIMIT).fill("ok"));
    setTime(boundary + 100);
    expect(await tries(b, "192.0.2.11", LIMIT)).to.deep.equal(Array(LIMIT).fill("too_many_requests"));
  });

  it("when one IPv6 /64 spends its allowance from several addresses at the end of a window, then another address of it is refused at the start of the next", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary - 100);
    for (let i = 1; i <= LIMIT; i++) expect(await tries(a, `2001:db8:a:1::${i}`, 1)).to.deep.equal(["ok"]);
    setTime(boundary + 100);
    expect(await tries(b, "2001:db8:a:1:ffff::99", 1)).to.deep.equal(["too_many_requests"]);
    expect(await tries(b, "2001:db8:a:2::1", 1)).to.deep.equal(["ok"]);
  });

  it("when the previous window was quiet, then the full allowance is available", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    // Spent two windows ago: no longer inside the sliding minute.
    setTime(boundary - MINUTE - 100);
    expect(await tries(a, "192.0.2.12", LIMIT)).to.deep.equal(Array(LIMIT).fill("ok"));
    setTime(boundary);
    expect(await tries(b, "192.0.2.12", LIMIT + 1)).to.deep.equal([
      ...Array(LIMIT).fill("ok"),
      "too_many_requests",
    ]);
  });

  it("when the previous window was spent, then halfway through the next half the allowance is available", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary - 100);
    expect(await tries(a, "192.0.2.13", LIMIT)).to.deep.equal(Array(LIMIT).fill("ok"));
    // Half of the previous window is still inside the sliding minute: it counts half.
    setTime(boundary + MINUTE / 2);
    expect(await tries(b, "192.0.2.13", LIMIT / 2 + 1)).to.deep.equal([
      ...Array(LIMIT / 2).fill("ok"),
      "too_many_requests",
    ]);
  });

  it("when an attempt is refused, then it says so in Chinese with a retry-after, and an attempt then is accepted", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary - 100);
    await tries(a, "192.0.2.14", LIMIT);
    setTime(boundary + 100);
    const refused = await b.hit("192.0.2.14").then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(AppError);
    const err = refused as AppError;
    expect({ code: err.code, status: err.status, message: err.message }).to.deep.equal({
      code: "too_many_requests",
      status: 429,
      message: "登录请求过于频繁，请稍后再试",
    });
    // None let through in this window, and the previous window's four weighing three once a
    // quarter of it has left the sliding minute: at boundary + 15 s, 14.9 s from now.
    expect(err.details).to.deep.equal({ retryAfterSeconds: 15 });
    setTime(boundary + 100 + 14_000);
    expect(await tries(b, "192.0.2.14", 1)).to.deep.equal(["too_many_requests"]);
    setTime(boundary + 100 + 15_000);
    expect(await tries(b, "192.0.2.14", 1)).to.deep.equal(["ok"]);
  });

  it("when a room behind one address keeps retrying past its limit, then its refusals do not count and it is let in as the attempts let through leave the sliding minute", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary - 100);
    expect(await tries(a, "192.0.2.16", LIMIT)).to.deep.equal(Array(LIMIT).fill("ok"));
    // The rest of the room, retrying on both instances.
    setTime(boundary + 100);
    expect(await tries(a, "192.0.2.16", LIMIT)).to.deep.equal(Array(LIMIT).fill("too_many_requests"));
    expect(await tries(b, "192.0.2.16", LIMIT)).to.deep.equal(Array(LIMIT).fill("too_many_requests"));
    // A quarter of the previous window has left: its four weigh three, and one more fits.
    setTime(boundary + MINUTE / LIMIT);
    expect(await tries(b, "192.0.2.16", 2)).to.deep.equal(["ok", "too_many_requests"]);
    setTime(boundary + MINUTE / 2);
    expect(await tries(a, "192.0.2.16", 2)).to.deep.equal(["ok", "too_many_requests"]);
  });

  it("when one IPv6 /48 rotates through its /64s, then past four times the limit it is refused as one /64 would be; another /48 is not", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary);
    for (let i = 1; i <= 4; i++)
      expect(await tries(a, `2001:db8:48a:${i}::1`, LIMIT)).to.deep.equal(Array(LIMIT).fill("ok"));
    const refused = await b.hit("2001:db8:48a:5::1").then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(AppError);
    const err = refused as AppError;
    expect({ code: err.code, status: err.status, message: err.message }).to.deep.equal({
      code: "too_many_requests",
      status: 429,
      message: "登录请求过于频繁，请稍后再试",
    });
    // Sixteen let through in this window: one more fits once the next has begun and a sixteenth
    // of it has passed (the sixteen then weigh fifteen), at 63.75 s.
    expect(err.details).to.deep.equal({ retryAfterSeconds: 64 });
    expect(await tries(b, "2001:db8:48b:1::1", 1)).to.deep.equal(["ok"]);
    expect(await tries(b, "192.0.2.17", LIMIT + 1)).to.deep.equal([
      ...Array(LIMIT).fill("ok"),
      "too_many_requests",
    ]);
  });

  it("when attempts from one address arrive at once on two instances, then no more than the limit are let through and each is counted once", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary + 100);
    const hits = Array.from({ length: 3 * LIMIT }, (_, i) =>
      (i % 2 ? a : b).hit("2001:db8:5:1::1").then(
        () => "ok",
        (err: unknown) => (err instanceof AppError ? err.code : String(err)),
      ),
    );
    const codes = await Promise.all(hits);
    // Attempts that lost a race are refused, never let through past the limit.
    expect(codes.filter((c) => c === "ok").length).to.be.within(1, LIMIT);
    expect(codes.filter((c) => c !== "ok" && c !== "too_many_requests")).to.deep.equal([]);
    const row = await env.node.ctx.conn
      .collection<{ _id: string; count: number }>("login_rates")
      .findOne({ _id: `ip:2001:db8:5:1::/64:${boundary / MINUTE}` });
    expect(row?.count).to.equal(codes.filter((c) => c === "ok").length);
  });

  it("when a login is refused by the limit, then its counts are read in one round trip and nothing is written", async () => {
    const { boundary, setTime, a, b } = twoInstances();
    setTime(boundary - 100);
    await tries(a, "192.0.2.18", LIMIT);
    setTime(boundary + 100);
    const rateCommands = (work: () => Promise<unknown>) =>
      commandsDuring(env.node.ctx.conn, work).then((seen) => seen.filter((c) => c.endsWith(" login_rates")));
    expect(await rateCommands(() => tries(b, "192.0.2.18", 1))).to.deep.equal(["find login_rates"]);
    // Let through: the same one read, then the count written once.
    setTime(boundary + MINUTE / 2);
    expect(await rateCommands(() => tries(b, "192.0.2.18", 1))).to.deep.equal([
      "find login_rates",
      "findAndModify login_rates",
    ]);
  });

  it("when the previous window's count cannot be read, then the login is refused with login_limit_unavailable, not let through", async () => {
    const { boundary, setTime, b } = twoInstances();
    const minute = boundary / MINUTE;
    await env.node.ctx.conn
      .collection<{ _id: string; count: unknown; expireAt: Date }>("login_rates")
      .insertOne({
        _id: `ip:192.0.2.15:${minute - 1}`,
        count: "unreadable",
        expireAt: new Date(boundary + MINUTE),
      });
    setTime(boundary + 100);
    expect(await tries(b, "192.0.2.15", 1)).to.deep.equal(["login_limit_unavailable"]);
  });
});
