import { expect } from "chai";
import type { PendingGrantDto, StaffUserDto } from "../../../server/contracts/staff-accounts.js";
import {
  grantPasswordText,
  grantText,
  resetNeedsApproval,
  userEditBody,
} from "../../../client/src/features/admin/user-edit.js";

describe("the users page's words for what deciding a grant does to the password", () => {
  const reset: PendingGrantDto = {
    kind: "password",
    roles: [],
    passwordReset: true,
    endsPassword: false,
    restoresPassword: true,
    compromised: false,
    reEnables: false,
    requestedBy: "64b000000000000000000002",
    requestedByName: "李四",
    requesterDivision: "320000",
    requestedAt: "2026-01-01T00:00:00.000Z",
  };

  it("when a reset that keeps the previous password is rejected, then the words say it comes back unless replaced since", () => {
    expect(grantPasswordText(reset, "reject")).to.contain("恢复重置前的原密码");
  });

  it("when a reset marked compromised is rejected, then the words say it was marked and no password is left", () => {
    const text = grantPasswordText({ ...reset, restoresPassword: false, compromised: true }, "reject");
    expect([text.includes("已标明密码可能泄露"), text.includes("没有可用密码")]).to.deep.equal([true, true]);
  });

  it("when a reset stored without a previous password and not marked compromised is rejected, then the words do not claim it was marked", () => {
    const text = grantPasswordText({ ...reset, restoresPassword: false, compromised: false }, "reject");
    expect([text.includes("可能泄露"), text.includes("没有可用密码")]).to.deep.equal([false, true]);
  });

  it("when a role grant without a reset is rejected, then nothing is said of the password", () => {
    const roles = { ...reset, kind: "roles" as const, roles: ["officer" as const], passwordReset: false };
    expect(grantPasswordText(roles, "reject")).to.equal("");
  });

  it("when a re-enabling waits, then it is named as one and its rejection says the account stays disabled", () => {
    const reEnable = {
      ...reset,
      kind: "roles" as const,
      roles: ["officer" as const],
      passwordReset: false,
      restoresPassword: false,
      endsPassword: true,
      reEnables: true,
    };
    expect([grantText(reEnable), grantPasswordText(reEnable, "reject")]).to.deep.equal([
      "重新启用（角色 运管业务员）",
      "驳回后该账号保持停用。",
    ]);
  });
});

describe("the users page's 密码可能已泄露 choice: only for a reset a second admin approves", () => {
  const user = (roles: StaffUserDto["roles"], pendingRoles: StaffUserDto["roles"] = []) =>
    ({
      roles,
      pendingGrant: pendingRoles.length > 0 ? { roles: pendingRoles } : null,
    }) as StaffUserDto;

  it("when the account is a proctor only, then a reset needs no approval; when it holds, is given or waits for a privileged role, it does", () => {
    expect([
      resetNeedsApproval(user(["proctor"]), ["proctor"]),
      resetNeedsApproval(user(["officer"]), ["officer"]),
      resetNeedsApproval(user(["proctor"]), ["proctor", "reviewer"]),
      resetNeedsApproval(user(["proctor"], ["officer"]), ["proctor"]),
      resetNeedsApproval(null, ["officer"]),
    ]).to.deep.equal([false, true, true, true, false]);
  });

  it("when 密码可能已泄露 was ticked and the account's roles then made the reset one applied at once, then it is not sent", () => {
    const proctor = {
      ...user(["proctor"]),
      displayName: "王五",
      divisionCode: "320100",
      testCentreId: "c1",
      version: 2,
    } as StaffUserDto;
    const form = {
      displayName: "王五",
      password: "Neues-Passw0rd-1",
      divisionCode: "320100",
      testCentreId: "c1",
      compromised: true,
    };
    expect([
      userEditBody(proctor, { ...form, roles: ["proctor"] }),
      userEditBody(proctor, { ...form, roles: ["proctor", "officer"] })?.compromised,
    ]).to.deep.equal([{ password: "Neues-Passw0rd-1", expectedVersion: 2 }, true]);
  });
});
