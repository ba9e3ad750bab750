import { expect } from "chai";
import { trustIssuerName } from "../../../client/src/features/certificates/trust-names.js";
import { provinceName } from "../../../client/src/shared/provinces.js";

describe("who compiled a trust list, as the verification page names it", () => {
  it("when the list is the committed demo list (issuer demo), then it is named 演示信任列表, not the raw id", () => {
    expect(trustIssuerName("demo", provinceName)).to.equal("演示信任列表");
  });

  it("when the list is the hub's or a province's, then it is named by who compiled it", () => {
    expect(trustIssuerName("hub", provinceName)).to.equal("全国交换平台");
    expect(trustIssuerName("province:320000", provinceName)).to.equal("江苏省");
    expect(trustIssuerName("something-else", provinceName)).to.equal("something-else");
  });
});
