import { expect } from "chai";
import {
  messageCodeLabel,
  messageEndpoint,
  messageOperation,
  messagePeerName,
} from "../../../client/src/features/hub/message-labels.js";

const names: Record<string, string> = { "320000": "江苏省" };
const provinceName = (code: string) => names[code] ?? code;

describe("hub message log: peers and the unsigned-refusal summary (client)", () => {
  it("when the sender is unknown (an unsigned request), then the peer reads 未知来源; a province by its name", () => {
    expect(messagePeerName("unknown", provinceName)).to.equal("未知来源");
    expect(messagePeerName("320000", provinceName)).to.equal("江苏省");
  });

  it("when the log sums up unsigned refusals (method *), then code, operation and interface read in Chinese", () => {
    const target = "未逐条记录的未认证请求 12 条，来自 3 个来源";
    expect(messageCodeLabel("unauthenticated_not_logged")).to.equal("未认证请求（未逐条记录）");
    expect(messageOperation("*", target)).to.equal("未认证请求汇总");
    expect(messageEndpoint("*", target)).to.equal(`全部接口（${target}）`);
    expect(messageEndpoint("GET", "/api/hub/v1/trust-list")).to.equal("GET /api/hub/v1/trust-list");
  });

  it("when a province announces its certificate keys, then the request is named, not 其他请求", () => {
    expect(messageOperation("POST", "/api/hub/v1/certificate-keys")).to.equal("数据采集 · 公布证书密钥");
  });
});
