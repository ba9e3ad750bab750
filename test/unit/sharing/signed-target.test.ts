import { expect } from "chai";
import { sameTarget } from "../../../server/sharing/signed-message.js";

describe("signed requests: the covered @target-uri against the receiver's own address", () => {
  it("when the covered URI differs from the expected one only in scheme or host case, a default port or encoding WHATWG normalises, then it names the receiver", () => {
    const expected = "https://hub.example.gov.cn/api/hub/v1/catalog/lookups?x=1";
    for (const covered of [
      "HTTPS://Hub.Example.gov.cn/api/hub/v1/catalog/lookups?x=1",
      "https://hub.example.gov.cn:443/api/hub/v1/catalog/lookups?x=1",
    ])
      expect(sameTarget(covered, expected), covered).to.equal(true);
    expect(sameTarget("http://hub/a%20b", "http://hub/a b")).to.equal(true);
  });

  it("when the covered URI names another host, port, scheme, path or query, or is no URI, then it does not", () => {
    const expected = "https://hub.example.gov.cn/api/hub/v1/catalog/lookups";
    for (const covered of [
      "https://other-hub.example/api/hub/v1/catalog/lookups",
      "https://hub.example.gov.cn:8443/api/hub/v1/catalog/lookups",
      "http://hub.example.gov.cn/api/hub/v1/catalog/lookups",
      "https://hub.example.gov.cn/api/hub/v1/exchange/cases",
      "https://hub.example.gov.cn/api/hub/v1/catalog/lookups?after=0",
      "not a uri",
      "",
    ])
      expect(sameTarget(covered, expected), covered).to.equal(false);
  });
});
