import { expect } from "chai";
import { otherSideOf, otherSideText } from "../../../client/src/features/exchange/case-sides.js";
import { provinceName } from "../../../client/src/shared/provinces.js";

describe("the other side of a case in a list row", () => {
  const asked = { box: "out" as const, fromProvince: "110000", toProvince: "320000" };
  const askedOfUs = { box: "in" as const, fromProvince: "440000", toProvince: "110000" };

  it("when a list mixes transfers this province asked for and ones asked of it, then each row names the other province: 发往 for its own, 来自 for the others'", () => {
    expect(otherSideOf(asked)).to.deep.equal({ label: "发往", province: "320000" });
    expect(otherSideOf(askedOfUs)).to.deep.equal({ label: "来自", province: "440000" });
    expect([
      otherSideText(asked, undefined, provinceName),
      otherSideText(askedOfUs, undefined, provinceName),
    ]).to.deep.equal(["发往 江苏省", "来自 广东省"]);
  });

  it("when a list is of one box, then that box decides and the cell holds the province alone, as the in and out boxes read", () => {
    expect(otherSideOf(askedOfUs, "in")).to.deep.equal({ label: "来自", province: "440000" });
    expect(otherSideText(askedOfUs, "in", provinceName)).to.equal("广东省");
    expect(otherSideText({ ...asked, toProvince: "" }, "out", provinceName)).to.equal("—");
  });
});
