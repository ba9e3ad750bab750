import { expect } from "chai";
import { centreChanges } from "../../../client/src/features/admin/centre-changes.js";

const centre = { name: "南京市从业资格考试中心", address: "南京市玄武区中山路 1 号" };

describe("修改考点: only what the admin changed is sent", () => {
  it("when only the address changes, then only the address is sent", () => {
    expect(centreChanges(centre, { name: centre.name, address: "南京市玄武区中山路 2 号" })).to.deep.equal({
      address: "南京市玄武区中山路 2 号",
    });
  });

  it("when only the name changes, then only the name is sent", () => {
    expect(centreChanges(centre, { name: "南京市第二考试中心", address: centre.address })).to.deep.equal({
      name: "南京市第二考试中心",
    });
  });

  it("when nothing changes, then there is nothing to send", () => {
    expect(centreChanges(centre, { ...centre })).to.equal(null);
  });
});
