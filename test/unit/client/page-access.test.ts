import { expect } from "chai";
import { admitsPage, pageRefusal } from "../../../client/src/shared/roles.js";

describe("which staff a page admits (menu and router)", () => {
  it("when a page names division levels, then only staff acting at those levels are admitted", () => {
    const meta = { roles: ["officer" as const], levels: ["province" as const, "ministry" as const] };
    expect(admitsPage({ roles: ["officer"], divisionCode: "320000" }, meta)).to.equal(true);
    expect(admitsPage({ roles: ["officer"], divisionCode: "000000" }, meta)).to.equal(true);
    expect(admitsPage({ roles: ["officer"], divisionCode: "320100" }, meta)).to.equal(false);
    expect(admitsPage({ roles: ["officer"], divisionCode: "320102" }, meta)).to.equal(false);
  });

  it("when the level fits but no role does, then the page is refused", () => {
    expect(
      admitsPage(
        { roles: ["proctor"], divisionCode: "320000" },
        { roles: ["officer"], levels: ["province"] },
      ),
    ).to.equal(false);
  });

  it("when a page names no levels or roles, then every logged-in staff member is admitted", () => {
    expect(admitsPage({ roles: ["officer"], divisionCode: "320102" }, { roles: ["officer"] })).to.equal(true);
    expect(admitsPage({ roles: [], divisionCode: "320102" }, {})).to.equal(true);
  });

  it("when a page is refused, then the reason names the levels it is for, or the missing role", () => {
    const meta = { roles: ["officer" as const], levels: ["province" as const, "ministry" as const] };
    expect(pageRefusal({ roles: ["officer"], divisionCode: "110105" }, meta)).to.equal(
      "该页面仅供省级、部级运管机构使用。",
    );
    expect(pageRefusal({ roles: ["proctor"], divisionCode: "320000" }, meta)).to.include(
      "没有访问该页面的权限",
    );
    expect(pageRefusal({ roles: ["officer"], divisionCode: "320000" }, meta)).to.equal(null);
  });
});
