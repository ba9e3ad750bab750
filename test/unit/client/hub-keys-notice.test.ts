import { expect } from "chai";
import { hubKeysNotice } from "../../../client/src/features/sharing/hub-keys-notice.js";

const format = (iso: string) => `<${iso}>`;

describe("the queue page's line on the hub taking this province's certificate keys", () => {
  it("when the hub takes key announcements (null, or nothing reported), then the page shows no line", () => {
    expect(hubKeysNotice(null, format)).to.equal(null);
    expect(hubKeysNotice(undefined, format)).to.equal(null);
  });

  it("when the hub lacks the announcement route, then one line in Chinese says since when and when it is tried again, in the node's zone", () => {
    const line = hubKeysNotice(
      {
        code: "hub_certificate_keys_unsupported",
        since: "2026-12-06T01:00:00.000Z",
        nextAttemptAt: "2026-12-06T03:00:00.000Z",
      },
      format,
    );
    expect(line).to.equal(
      "全国中心暂不支持接收证书密钥公告（自 <2026-12-06T01:00:00.000Z> 起），下次尝试 <2026-12-06T03:00:00.000Z>。轮换后的新签名密钥须待全国中心升级后才列入全国信任列表。",
    );
  });

  it("when the status names a code the page does not know, then the line still shows, naming the code", () => {
    const line = hubKeysNotice(
      { code: "something_new", since: "2026-12-06T01:00:00.000Z", nextAttemptAt: "2026-12-06T03:00:00.000Z" },
      format,
    );
    expect(line).to.contain("something_new").and.to.contain("<2026-12-06T03:00:00.000Z>");
  });
});
