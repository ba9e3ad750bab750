import { expect } from "chai";
import { messageCodeLabel, messageOperation } from "../../../client/src/features/hub/message-labels.js";

describe("hub message log operation names (client)", () => {
  it("when a poll of the inbox is logged with its query string, then it is named as the exchange inbox poll", () => {
    expect(messageOperation("GET", "/api/hub/v1/exchange/inbox?after=4&limit=200&wait=10000")).to.equal(
      "跨省交换 · 拉取收件箱（轮询）",
    );
  });

  it("when a case's answer is logged, then the case id does not stop it being named", () => {
    expect(
      messageOperation("POST", "/api/hub/v1/exchange/cases/476801be-463d-4df4-b128-cde0133a2f00/answer"),
    ).to.equal("跨省交换 · 户籍省答复");
  });

  it("when the method does not fit the path, or the path is unknown or outside the interfaces, then no name is guessed", () => {
    expect(messageOperation("GET", "/api/hub/v1/collection/records")).to.equal(null);
    expect(messageOperation("POST", "/api/hub/v1/exchange/cases/x/unknown")).to.equal(null);
    expect(messageOperation("POST", "/api/hub/v2/collection/records")).to.equal(null);
    expect(messageOperation("POST", "/collection/records")).to.equal(null);
  });

  it("when a message was refused with an error code, then the operator reads why in Chinese; an unknown code is 其他错误", () => {
    expect(messageCodeLabel("signature_invalid")).to.equal("签名验证失败");
    expect(messageCodeLabel("nonce_reused")).to.equal("请求标识已被其他消息使用");
    expect(messageCodeLabel("something_new")).to.equal("其他错误");
  });
});
