import { expect } from "chai";
import { outboundExtent } from "../../../client/src/features/sharing/outbound-extent.js";

describe("the province's queue to the hub: how much of it the page shows", () => {
  it("when the server answers fewer rows than asked, then the page says that is all of them", () => {
    expect(outboundExtent(12, 50)).to.deep.equal({ note: "共 12 条", nextLimit: null });
    expect(outboundExtent(0, 50)).to.deep.equal({ note: "共 0 条", nextLimit: null });
  });

  it("when the server answers as many rows as asked, then older ones may exist: the page says so and can read 50 more", () => {
    expect(outboundExtent(50, 50)).to.deep.equal({ note: "显示最新 50 条", nextLimit: 100 });
    expect(outboundExtent(150, 150)).to.deep.equal({ note: "显示最新 150 条", nextLimit: 200 });
  });

  it("when the server's 200 are reached, then the page says only the newest 200 are shown and offers no more", () => {
    const extent = outboundExtent(200, 200);
    expect(extent.nextLimit).to.equal(null);
    expect(extent.note).to.contain("仅显示最新 200 条");
  });
});
