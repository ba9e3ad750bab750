import { expect } from "chai";
import type { RouteRecordNormalized } from "vue-router";
import { buildStaffMenu } from "../../../client/src/app/staff-menu.js";

/** Menu routes as the router normalises them: only the path and the meta are read. */
const routes = [
  { path: "/", meta: { title: "首页", menu: { order: 0 } } },
  {
    path: "/registration/candidates",
    meta: { title: "考生报名", roles: ["officer"], menu: { group: "报名" } },
  },
  {
    path: "/certificates/issuances",
    meta: { title: "发证办理", roles: ["officer"], menu: { group: "证书" } },
  },
  { path: "/account/password", meta: { title: "修改密码" } },
] as unknown as RouteRecordNormalized[];

const everyFeature = () => true;

describe("the staff side menu (client)", () => {
  it("when an account must change its password, then the menu offers nothing until it has", () => {
    const officer = { roles: ["officer" as const], divisionCode: "320100" };
    expect(buildStaffMenu(routes, { ...officer, mustChangePassword: true }, everyFeature)).to.deep.equal([]);
    const titles = buildStaffMenu(routes, { ...officer, mustChangePassword: false }, everyFeature).flatMap(
      (g) => g.items.map((i) => i.title),
    );
    expect(titles).to.have.members(["首页", "考生报名", "发证办理"]);
  });
});
