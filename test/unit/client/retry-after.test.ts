import { expect } from "chai";
import { loginRefusalText, retryAfterSeconds, waitText } from "../../../client/src/shared/retry-after.js";

const SERVER_MESSAGE = "登录请求过于频繁，请稍后再试";
const refusal = (details: unknown) => ({ message: SERVER_MESSAGE, details });

describe("the wait after a login refused for too many attempts (client)", () => {
  it("when the server asks for 30 seconds, then the page says to try again in 30 seconds", () => {
    expect(loginRefusalText(refusal({ retryAfterSeconds: 30 }))).to.equal("登录尝试过于频繁，请 30 秒后再试");
  });

  it("when the wait is a fraction of a second over, then it is rounded up, never down", () => {
    expect(loginRefusalText(refusal({ retryAfterSeconds: 29.2 }))).to.equal(
      "登录尝试过于频繁，请 30 秒后再试",
    );
    expect(loginRefusalText(refusal({ retryAfterSeconds: 0.2 }))).to.equal("登录尝试过于频繁，请 1 秒后再试");
  });

  it("when the wait is just under two minutes, then it is still said in seconds", () => {
    expect(waitText(119)).to.equal("119 秒");
  });

  it("when the wait is two minutes or more, then it is said in whole minutes rounded up", () => {
    expect(waitText(120)).to.equal("2 分钟");
    expect(waitText(121)).to.equal("3 分钟");
    expect(waitText(180)).to.equal("3 分钟");
    expect(loginRefusalText(refusal({ retryAfterSeconds: 150 }))).to.equal(
      "登录尝试过于频繁，请 3 分钟后再试",
    );
  });

  it("when the details carry no usable wait, then the server's own message is shown", () => {
    for (const details of [
      undefined,
      null,
      "30",
      [30],
      {},
      { retryAfterSeconds: "30" },
      { retryAfterSeconds: 0 },
      { retryAfterSeconds: -5 },
      { retryAfterSeconds: Number.NaN },
      { retryAfterSeconds: Infinity },
      { retryAfterSeconds: 2 ** 60 },
    ]) {
      expect(retryAfterSeconds(details), JSON.stringify(details)).to.equal(null);
      expect(loginRefusalText(refusal(details))).to.equal(SERVER_MESSAGE);
    }
  });
});
